import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
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

/** True when a service is protected by the mixin (the broker-wide middleware then leaves it alone). */
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
