import { Service, ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import net from "node:net";
import { SharedSecretMiddleware } from "../../../index";
import { startGatewayOnLoopback } from "../../../support/loopback";
import { SECRET } from "../../helpers/app";
import { localBroker } from "../../helpers/broker";
import { CaptureLogger } from "../../helpers/capture-logger";
import { request, type HttpResult } from "../../helpers/http";

export { SECRET };

/** The header a gateway in front sends. */
export const OK = { "x-shared-secret": SECRET } as const;

/** The bodies of requests refused for no secret and for a wrong one: the contract's own. */
export { INVALID as INVALID_SECRET, NO_SECRET } from "../../helpers/contract";

/** The body of a request refused by a node that has no secret. */
export const NOT_CONFIGURED = {
  name: "SharedSecretConfigurationError",
  message: "Server configuration error",
  code: 500,
  type: "ERR_SECRET_NOT_CONFIGURED",
};

/** A service schema of any settings (moleculer-web's are not in Moleculer's types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- gateway settings are typed by moleculer-web
export type Schema = ServiceSchema<any>;

/** Counts runs of user code, so a test tells "refused before my code" from "refused by it". */
export class Runs {
  private readonly counts = new Map<string, number>();
  hit(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  of(name: string): number {
    return this.counts.get(name) ?? 0;
  }
  reset(): void {
    this.counts.clear();
  }
}

export interface Gateway {
  broker: ServiceBroker;
  logger: CaptureLogger;
  api: Service;
  port: number;
  call(
    path: string,
    headers?: Record<string, string | string[]> | string[],
    method?: string,
  ): Promise<HttpResult>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Broker options over a local broker with the middleware `SharedSecretMiddleware({ secret: SECRET })`. */
  broker?: BrokerOptions;
  /** The gateway service's schema (its `settings` get `port: 0, ip: "127.0.0.1"`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- gateway settings are typed by moleculer-web
  gateway: ServiceSchema<any>;
  /** Other services on the same broker. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain and gateway schemas mixed
  services?: ServiceSchema<any>[];
}

/**
 * Starts a real broker (no transporter, every log line captured at trace level) with the given
 * gateway service listening on a free port of 127.0.0.1, and the given services.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = new CaptureLogger({ level: "trace" });
  const broker = localBroker("front-door", {
    logger,
    logLevel: "trace",
    middlewares: [SharedSecretMiddleware({ secret: SECRET })],
    ...options.broker,
  });
  const { api, port, stop } = await startGatewayOnLoopback(broker, options.gateway, options.services);
  return {
    broker,
    logger,
    api,
    port,
    call: (path, headers, method) => request(port, path, headers, method),
    stop,
  };
}

/**
 * Every string reachable from `root` through own enumerable properties (string and symbol keys),
 * arrays, Maps and Sets, to `depth` levels: what a careless logger or serializer could print.
 * Skips the broker, services, sockets and servers (they hold everything, the captured log included),
 * and does not use `util.inspect`: Moleculer's `Context` inspects itself without lowering the depth,
 * and a context whose parent is moleculer-web's request context (`req.$ctx`) overflows the stack.
 */
export function reachableText(root: unknown, depth = 10): string {
  const out: string[] = [];
  const visited = new WeakSet<object>();
  const skip = (value: object) =>
    value instanceof ServiceBroker ||
    value instanceof Service ||
    value instanceof net.Socket ||
    value instanceof net.Server;
  function walk(value: unknown, level: number): void {
    if (typeof value === "string") {
      out.push(value);
      return;
    }
    if (value === null || typeof value !== "object" || level > depth) return;
    if (visited.has(value) || skip(value)) return;
    visited.add(value);
    if (Buffer.isBuffer(value)) {
      out.push(value.toString("latin1"));
      return;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        walk(k, level + 1);
        walk(v, level + 1);
      }
      return;
    }
    if (value instanceof Set) {
      for (const v of value) walk(v, level + 1);
      return;
    }
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !descriptor.enumerable || !("value" in descriptor)) continue;
      if (typeof key === "string") out.push(key);
      walk(descriptor.value, level + 1);
    }
  }
  walk(root, 0);
  return out.join("\n");
}
