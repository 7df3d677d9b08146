import type { ServiceBroker } from "moleculer";

/**
 * Wraps `create` so that each broker gets one value, made on first use and shared by the middleware
 * and the mixin; it goes away with the broker.
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
