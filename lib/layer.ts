import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
import { MIDDLEWARE } from "./gateway/forward";
import { guardAction, type GuardedActionDef } from "./guard";
import type { ResolvedOptions } from "./options";
import { perBroker } from "./per-broker";
import { callerPolicyFor } from "./policy";
import { telemetryFor } from "./telemetry";

const mixinServices = new WeakSet<object>();

/**
 * The outermost action wrapper used by the service mixin: one per broker, added on first use,
 * guarding only the services registered by a mixin, each with its own options.
 */
const mixinLayerFor = perBroker(function createMixinLayer(broker: ServiceBroker) {
  const services = new WeakMap<object, ResolvedOptions>();
  const policy = callerPolicyFor(broker);
  const telemetry = telemetryFor(broker);
  broker.middlewares.add({
    name: "SharedSecretMixinGuard",
    localAction(handler: ActionHandler, action: GuardedActionDef) {
      const serviceOptions = action.service ? services.get(action.service) : undefined;
      if (serviceOptions === undefined) return handler;
      return guardAction(handler, action, serviceOptions, policy, telemetry);
    },
  } as Middleware);
  return services;
});

/**
 * True when a service is protected by the mixin. The broker-wide middleware then leaves it alone:
 * with both, the mixin's options win for that service (see {@link warnAboutBothLayers}).
 */
export function protectedByMixin(service: object): boolean {
  return mixinServices.has(service);
}

/**
 * Registers a service to be guarded with `options`. Must run before its actions are wrapped
 * (the mixin calls it from the `merged` hook).
 */
export function registerMixinService(broker: ServiceBroker, service: object, options: ResolvedOptions): void {
  mixinLayerFor(broker).set(service, options);
  mixinServices.add(service);
}

/**
 * One rule when a service mixes in `SharedSecretMixin()` on a broker that also has
 * `SharedSecretMiddleware()`: the mixin wins for that service (its calls are checked once, with the
 * mixin's options). Legitimate (a service with a secret or a mode of its own), but easy to do by
 * accident, so it is said once per service at start-up, naming it.
 */
export function warnAboutBothLayers(
  broker: ServiceBroker,
  service: { fullName: string },
  logger: { warn(message: string): void },
): void {
  const middlewares = broker.middlewares.list as unknown as readonly (Record<symbol, unknown> | null)[];
  if (!middlewares.some((mw) => mw?.[MIDDLEWARE] !== undefined)) return;
  logger.warn(
    `Shared secret: service '${service.fullName}' mixes in SharedSecretMixin() on a broker that also has ` +
      "SharedSecretMiddleware(): the mixin's options replace the middleware's for this service (its calls " +
      "are checked once, by the mixin). Remove one of the two if that is not what you want.",
  );
}
