import type { ActionHandler, Middleware, ServiceBroker } from "moleculer";
import { guardAction, type GuardedActionDef } from "./guard";
import type { ResolvedOptions } from "./options";
import { callerPolicyFor, type CallerPolicy } from "./policy";
import { telemetryFor, type Telemetry } from "./telemetry";

/**
 * The outermost action wrapper used by the service mixin: one per broker, added on first use,
 * guarding only the services registered by a mixin, each with its own options.
 */
interface MixinLayer {
  readonly policy: CallerPolicy;
  readonly telemetry: Telemetry;
  readonly services: WeakMap<object, ResolvedOptions>;
}

const layers = new WeakMap<ServiceBroker, MixinLayer>();
const mixinServices = new WeakSet<object>();

/** True when a service is protected by the mixin (the broker-wide middleware then leaves it alone). */
export function protectedByMixin(service: object): boolean {
  return mixinServices.has(service);
}

/**
 * Registers a service to be guarded with `options`. Must run before its actions are wrapped
 * (the mixin calls it from the `merged` hook).
 */
export function registerMixinService(broker: ServiceBroker, service: object, options: ResolvedOptions): void {
  let layer = layers.get(broker);
  if (layer === undefined) {
    const created: MixinLayer = {
      policy: callerPolicyFor(broker),
      telemetry: telemetryFor(broker),
      services: new WeakMap(),
    };
    layer = created;
    layers.set(broker, created);
    broker.middlewares.add({
      name: "SharedSecretMixinGuard",
      localAction(handler: ActionHandler, action: GuardedActionDef) {
        const serviceOptions = action.service ? created.services.get(action.service) : undefined;
        if (serviceOptions === undefined) return handler;
        return guardAction(handler, action, serviceOptions, created.policy, created.telemetry);
      },
    } as Middleware);
  }
  layer.services.set(service, options);
  mixinServices.add(service);
}
