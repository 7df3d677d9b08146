/*
 * The server side of the hostile load (scripts/hostile-load.ts): the reference app (the `api`
 * gateway, `protected`, `health`) with the shared-secret middleware, in its own process, run with
 * --expose-gc so it can report its memory after full collections. It talks to its parent over IPC:
 * "ready" with its port; on "memory", GC then memoryUsage() and how often the protected handler ran;
 * on "stop", a clean broker stop and exit 0. Anything uncaught is reported and exits 1 (a crash).
 */
import { ServiceBroker, type ActionHandler, type Context, type Middleware, type Service } from "moleculer";
import { SharedSecretMiddleware } from "../index";
import ApiService from "../services/api.service";
import HealthService from "../services/health.service";
import ProtectedService from "../services/protected.service";
import { startGatewayOnLoopback } from "../support/loopback";

const send = (message: object) => process.send?.(message);
const fail = (kind: string) => (err: unknown) => {
  send({ type: "crash", kind, message: String((err as Error)?.stack ?? err) });
  process.exit(1);
};
process.on("uncaughtException", fail("uncaughtException"));
process.on("unhandledRejection", fail("unhandledRejection"));

let protectedRuns = 0;
const countProtectedRuns = {
  name: "CountProtectedRuns",
  localAction(handler: ActionHandler, action: { name: string }) {
    if (action.name !== "protected.access") return handler;
    return function counted(this: Service, ctx: Context) {
      protectedRuns++;
      return handler.call(this, ctx);
    };
  },
} as Middleware;

async function main() {
  const secret = process.env.HOSTILE_SECRET ?? "";
  const broker = new ServiceBroker({
    nodeID: `hostile-${process.pid}`,
    transporter: null,
    logger: false,
    middlewares: [SharedSecretMiddleware({ secret }), countProtectedRuns],
  });
  const { port } = await startGatewayOnLoopback(
    broker,
    {
      name: "api",
      mixins: [ApiService],
      settings: { logRequest: null, logResponse: null, logRequestParams: null },
    },
    [ProtectedService, HealthService],
  );

  process.on("message", (message: { type: string }) => {
    if (message.type === "memory") {
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 6; i++) gc?.();
      send({ type: "memory", gcExposed: gc !== undefined, usage: process.memoryUsage(), protectedRuns });
    } else if (message.type === "stop") {
      void broker.stop().then(() => process.exit(0), fail("stop"));
    }
  });
  send({ type: "ready", port });
}

main().catch(fail("start"));
