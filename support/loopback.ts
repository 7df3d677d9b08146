/**
 * Servers started on 127.0.0.1 and a free port, one way for the tests, the benchmark and the
 * scripts: a Moleculer gateway on a broker, or a plain Node HTTP server (Express, Hono).
 *
 * Nothing here imports the library: the broker comes ready-made, with whatever middleware its
 * caller put in it, so the benchmark can pass one built from the compiled package (bench/package.ts)
 * and the tests and scripts one built from the sources. Only types come from moleculer.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";

/** The address every server here listens on. */
export const LOOPBACK = "127.0.0.1";

/** A server listening on {@link LOOPBACK}. */
export interface Listening {
  /** The port it was given. */
  port: number;
  /** Stops it: no new connections, open ones (keep-alive included) closed. */
  close(): Promise<void>;
}

/** A started broker whose gateway service listens on {@link LOOPBACK}. */
export interface StartedGateway {
  broker: ServiceBroker;
  /** The gateway service, as the broker created it. */
  api: Service;
  /** The port the gateway was given. */
  port: number;
  /** Stops the broker, and with it the gateway. */
  stop(): Promise<void>;
}

/** The port a started moleculer-web (or any) service with an HTTP `server` listens on. */
export function portOf(service: Service): number {
  return ((service as unknown as { server: Server }).server.address() as AddressInfo).port;
}

/**
 * Creates `services`, then `gateway` with `port: 0` and `ip: "127.0.0.1"` over its own settings,
 * on `broker`, and starts the broker. If the start fails the broker is stopped and the error thrown.
 *
 * @param broker - a broker not started yet, carrying the middleware its caller wants measured or tested
 * @param gateway - a moleculer-web service schema (its `settings.port` and `settings.ip` are replaced)
 * @param [services=[]] - the other services of the broker, created before the gateway
 * @example
 * const { port, stop } = await startGatewayOnLoopback(broker, ApiService, [ProtectedService]);
 */
export async function startGatewayOnLoopback(
  broker: ServiceBroker,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- gateway settings are typed by moleculer-web
  gateway: ServiceSchema<any>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain and gateway schemas mixed
  services: readonly ServiceSchema<any>[] = [],
): Promise<StartedGateway> {
  for (const schema of services) broker.createService(schema);
  const api = broker.createService({
    ...gateway,
    settings: { ...gateway.settings, port: 0, ip: LOOPBACK },
  });
  try {
    await broker.start();
  } catch (err) {
    await broker.stop().catch(() => undefined);
    throw err;
  }
  return { broker, api, port: portOf(api), stop: () => broker.stop() };
}

/**
 * Makes `server` listen on {@link LOOPBACK} and a free port.
 *
 * @param server - a Node HTTP server not listening yet (`http.createServer(app)`, Hono's adaptor)
 * @example
 * const { port, close } = await listenOnLoopback(http.createServer(expressApp));
 */
export function listenOnLoopback(server: Server): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
