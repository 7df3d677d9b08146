import { ServiceBroker, type BrokerOptions } from "moleculer";

/**
 * A broker with no transporter, whose node ID (`prefix`-pid-random) is unique to this run, so
 * brokers of parallel test files never mistake each other; `options` go over both.
 */
export function localBroker(prefix: string, options: BrokerOptions = {}): ServiceBroker {
  return new ServiceBroker({
    nodeID: `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    transporter: null,
    ...options,
  });
}
