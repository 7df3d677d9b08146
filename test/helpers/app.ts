import type { BrokerOptions, ServiceBroker, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway, type SharedSecretGatewayOptions } from "../../index";
import ApiService from "../../services/api.service";
import HealthService from "../../services/health.service";
import ProtectedService from "../../services/protected.service";
import { startGatewayOnLoopback } from "../../support/loopback";
import { localBroker } from "./broker";
import { CaptureLogger } from "./capture-logger";
import { request, type HttpResult } from "./http";

/** A secret as a gateway would send it (the tests also use it to hunt for leaks). */
export const SECRET = "test-secret-2f9c4e1a7b3d8e6f0a5c9d2b7e4f1a3c";

export interface TestApp {
  broker: ServiceBroker;
  logger: CaptureLogger;
  port: number;
  get(path: string, headers?: Record<string, string | string[]> | string[]): Promise<HttpResult>;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  /** Broker options; `middlewares` usually carries the middleware under test. */
  broker?: BrokerOptions;
  /** Services besides the reference app's `api`, `protected` and `health`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- gateway settings are typed by moleculer-web
  services?: ServiceSchema<any>[];
  /** Settings merged over the `api` gateway's (routes replace the reference routes). */
  apiSettings?: Record<string, unknown>;
  /** Leave out the reference `protected` and `health` services. */
  withoutReferenceServices?: boolean;
  /** Options of the gateway's door, instead of the reference `SharedSecretGateway()`. */
  gateway?: SharedSecretGatewayOptions;
}

/**
 * Starts a real broker with the reference `api` gateway listening on a random free port of
 * 127.0.0.1, every log entry captured (trace level included).
 */
export async function startApp(options: TestAppOptions = {}): Promise<TestApp> {
  const logger = new CaptureLogger({ level: "trace" });
  const broker = localBroker("test", { logger, logLevel: "trace", ...options.broker });
  const reference = options.gateway
    ? { ...ApiService, mixins: [SharedSecretGateway(options.gateway), ApiGateway] }
    : ApiService;
  const { port, stop } = await startGatewayOnLoopback(
    broker,
    { name: "api", mixins: [reference], settings: { logRequestParams: "debug", ...options.apiSettings } },
    [
      ...(options.withoutReferenceServices ? [] : [ProtectedService, HealthService]),
      ...(options.services ?? []),
    ],
  );
  return { broker, logger, port, get: (path, headers) => request(port, path, headers), stop };
}
