import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
import { guardAction, type GuardedActionDef } from "../lib/guard";
import { forwardedHeader } from "../lib/gateway";
import { protectedByMixin } from "../lib/layer";
import { resolveOptions, type SharedSecretOptions } from "../lib/options";
import { callerPolicyFor, looksLikeGateway, type RegistryService } from "../lib/policy";
import { hideHeader, keepHeadersAcrossRemoteCall, restoreHeader } from "../lib/scrub";
import type { Log } from "../lib/secrets";
import { telemetryFor } from "../lib/telemetry";

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
 * @param options - see {@link SharedSecretOptions}; defaults read `SHARED_SECRET`,
 * `SHARED_SECRET_PREVIOUS` and `SHARED_SECRET_FILE` once, now.
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
  // A gateway's own actions (moleculer-web's `api.rest`) get the forwarded header in their meta
  // before anything checks it: it is hidden from the middlewares around them (tracing's span tags,
  // action loggers) and given back to the handler, which routes the call that is checked.
  const gatewayOwn = (action: GuardedActionDef) => {
    const service = action.service as unknown as RegistryService | null | undefined;
    return service != null && (looksLikeGateway(service) || resolved.gateways.has(service.fullName));
  };

  return {
    name: "SharedSecret",
    // Only Moleculer's own services (`$node`) are wrapped before `created` runs; they have no
    // cacher, so the innermost position is safe for them. Everything later gets the outer check.
    localAction(this: ServiceBroker, handler: ActionHandler, action: GuardedActionDef) {
      if (outerInstalled.has(this)) return gatewayOwn(action) ? restoreHeader(handler) : handler;
      return guardAction(handler, action, resolved, callerPolicyFor(this), telemetryFor(this));
    },
    // A remote call from a context that carries the header (the gateway's) keeps it for the next call.
    remoteAction(handler: ActionHandler) {
      return keepHeadersAcrossRemoteCall(handler, resolved.headerName);
    },
    created(broker: ServiceBroker) {
      outerInstalled.add(broker);
      const policy = callerPolicyFor(broker);
      const telemetry = telemetryFor(broker);
      // Added now, after the internal middlewares, so it wraps outside them all.
      broker.middlewares.add({
        name: "SharedSecretGuard",
        localAction(handler: ActionHandler, action: GuardedActionDef) {
          if (action.service != null && protectedByMixin(action.service)) return handler;
          const inner = gatewayOwn(action) ? hideHeader(handler, resolved.headerName) : handler;
          return guardAction(inner, action, resolved, policy, telemetry);
        },
      } as Middleware);
    },
    started(broker: ServiceBroker) {
      const { logger } = telemetryFor(broker);
      warnAboutGatewaysThatDoNotForward(broker, resolved.headerName, logger);
      return resolved.store.start(logger);
    },
    async stopped() {
      resolved.store.stop();
    },
  } as Middleware;
}

/**
 * A gateway on this node that does not forward the header makes every protected call through it a
 * 401: say so once, at start-up, with the fix. (Routes that copy the header themselves, in
 * `onBeforeCall`, are fine: the warning says so.)
 */
function warnAboutGatewaysThatDoNotForward(broker: ServiceBroker, headerName: string, logger: Log): void {
  for (const service of broker.services) {
    if (!looksLikeGateway(service as unknown as RegistryService)) continue;
    const settings = (service.settings ?? {}) as { rootCallOptions?: unknown };
    if (forwardedHeader(settings.rootCallOptions) === headerName) continue;
    logger.warn(
      `Shared secret: gateway '${service.fullName}' does not forward ${headerName} ` +
        "(set settings.rootCallOptions: forwardSecretHeader()); its calls to protected actions are " +
        "refused with 401 unless its routes copy the header into ctx.meta.headers themselves.",
    );
  }
}
