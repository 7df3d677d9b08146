/**
 * One value per broker for a component instance: called inside a factory (the middleware's, the
 * mixin's, a door's), so the values belong to that instance, never to the module.
 */
import type { ServiceBroker } from "moleculer";

/**
 * Wraps `create` so that each broker gets one value, made on first use; it goes away with the broker.
 * E.g. the middleware's caller policy and telemetry, one per broker it serves.
 */
export function perBroker<T>(create: (broker: ServiceBroker) => T): (broker: ServiceBroker) => T {
  const values = new WeakMap<ServiceBroker, T>();
  return function forBroker(broker) {
    let value = values.get(broker);
    if (value === undefined) {
      value = create(broker);
      values.set(broker, value);
    }
    return value;
  };
}
