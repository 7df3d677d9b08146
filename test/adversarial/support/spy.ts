import type { ActionHandler, Context, Middleware, Service } from "moleculer";
import { SharedSecretMiddleware } from "../../../index";
import { startApp, type TestApp } from "../../helpers/app";
import { SECRETS } from "./fuzz";

/**
 * An innermost broker middleware (listed after the shared-secret middleware) that counts how often
 * each action's own handler is reached. It observes; it does not replace the thing under test.
 */
export function handlerSpy(): { middleware: Middleware; runs: Map<string, number>; total(): number } {
  const runs = new Map<string, number>();
  const middleware = {
    name: "HandlerSpy",
    localAction(handler: ActionHandler, action: { name: string }) {
      return function countedHandler(this: Service, ctx: Context) {
        runs.set(action.name, (runs.get(action.name) ?? 0) + 1);
        return handler.call(this, ctx);
      };
    },
  } as Middleware;
  return {
    middleware,
    runs,
    total: () => [...runs].filter(([name]) => name !== "api.rest").reduce((sum, [, n]) => sum + n, 0),
  };
}

/** The reference app (real broker, real gateway on 127.0.0.1) guarding with both SECRETS, `spy` innermost. */
export function startSpiedApp(spy: ReturnType<typeof handlerSpy>): Promise<TestApp> {
  return startApp({
    broker: {
      logLevel: "warn",
      middlewares: [SharedSecretMiddleware({ secret: [...SECRETS] }), spy.middleware],
    },
  });
}
