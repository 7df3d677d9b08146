import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
import { guardAction, type GuardedActionDef } from "../lib/guard";
import { protectedByMixin } from "../lib/layer";
import { resolveOptions, SECRET_ENV, type SharedSecretOptions } from "../lib/options";
import { callerPolicyFor } from "../lib/policy";

/**
 * Broker middleware that refuses, before any handler, cacher or validator runs, every call that
 * enters through a gateway without the right shared secret in `ctx.meta.headers`.
 *
 * Calls with no caller (`broker.call`) and nested calls made by ordinary services are not asked
 * for the secret. Options are validated here, once; a bad one throws a `TypeError` that names it.
 *
 * Moleculer wraps actions with user middlewares innermost, so a check placed there would run after
 * the cacher and the validator. This middleware therefore installs its check when the broker is
 * created, after the built-in middlewares, which makes it the outermost wrapper of every action.
 *
 * @param options - see {@link SharedSecretOptions}; defaults read `SHARED_SECRET` once, now.
 * @example
 * ```ts
 * // moleculer.config.ts
 * import { SharedSecretMiddleware } from "moleculer-shared-secret";
 * export default { middlewares: [SharedSecretMiddleware()] };
 * ```
 */
export function SharedSecretMiddleware(options?: SharedSecretOptions): Middleware {
  const resolved = resolveOptions(options);
  const outerInstalled = new WeakSet<ServiceBroker>();

  return {
    name: "SharedSecret",
    // Only Moleculer's own services (`$node`) are wrapped before `created` runs; they have no
    // cacher, so the innermost position is safe for them. Everything later gets the outer check.
    localAction(this: ServiceBroker, handler: ActionHandler, action: GuardedActionDef) {
      if (outerInstalled.has(this)) return handler;
      return guardAction(handler, action, resolved, callerPolicyFor(this));
    },
    created(broker: ServiceBroker) {
      outerInstalled.add(broker);
      if (resolved.secrets.length === 0) {
        broker.logger.error(
          `Shared secret: no secret configured (set ${SECRET_ENV} or the "secret" option); ` +
            "every call through a gateway will be refused with 500 Server configuration error.",
        );
      }
      const policy = callerPolicyFor(broker);
      // Added now, after the internal middlewares, so it wraps outside them all.
      broker.middlewares.add({
        name: "SharedSecretGuard",
        localAction(handler: ActionHandler, action: GuardedActionDef) {
          if (action.service != null && protectedByMixin(action.service)) return handler;
          return guardAction(handler, action, resolved, policy);
        },
      } as Middleware);
    },
  } as Middleware;
}
