import type { BrokerOptions, Middleware, Service, ServiceBroker, ServiceSchema } from "moleculer";
import { SECRET_ENV, SECRET_FILE_ENV, SharedSecretMiddleware } from "./index";
import { isProtected } from "./lib/guard";

/*
 * Reference app configuration, loaded by moleculer-runner (`npm start`). Environment overrides work
 * as usual with moleculer-runner (e.g. LOGLEVEL, NODEID, REQUESTTIMEOUT, SERVICES), and `--env`
 * loads a `.env` file first.
 */

/** Prints one line and exits: a misconfigured origin must not start (fail closed). */
function refuse(message: string): never {
  console.error(message);
  process.exit(1);
}

/**
 * The transporter, from `TRANSPORTER`, for running the services on several nodes:
 * - unset: a single node (no transporter);
 * - `nats://host:4222[,nats://...]`: NATS, reconnecting for as long as the server is away;
 * - `TCP`: the built-in TCP transporter with static peers only, from `TCP_URLS`
 *   (`127.0.0.1:6001/node-1,127.0.0.1:6002/node-2`, this node's own `NODEID` among them for its
 *   port). UDP discovery is off, so nothing is multicast off the machine;
 * - anything else is handed to Moleculer as is (e.g. `redis://...`).
 *
 * moleculer-runner would replace this object with the raw `TRANSPORTER` string after loading the
 * file (dropping the TCP options above), so the variable is consumed here.
 */
function transporterFromEnv(env: NodeJS.ProcessEnv): BrokerOptions["transporter"] {
  const value = (env.TRANSPORTER ?? "").trim();
  delete env.TRANSPORTER;
  if (value === "") return null;
  if (value.toUpperCase() === "TCP") {
    const urls = (env.TCP_URLS ?? "")
      .split(",")
      .map((url) => url.trim())
      .filter((url) => url !== "");
    if (urls.length === 0) {
      refuse(
        "TRANSPORTER=TCP needs TCP_URLS, the nodes as host:port/nodeID separated by commas " +
          "(e.g. TCP_URLS=127.0.0.1:6001/node-1,127.0.0.1:6002/node-2 NODEID=node-1): UDP discovery is off.",
      );
    }
    return { type: "TCP", options: { udpDiscovery: false, urls: urls.join(","), useHostname: false } };
  }
  if (value.startsWith("nats://")) {
    return { type: "NATS", options: { url: value, maxReconnectAttempts: -1, reconnectTimeWait: 1000 } };
  }
  // A URL Moleculer resolves itself; the typings list only the bare transporter names.
  return value as BrokerOptions["transporter"];
}

const secretConfigured = [SECRET_ENV, SECRET_FILE_ENV].some(
  (name) => (process.env[name] ?? "").trim() !== "",
);

/** The middleware; bad settings (e.g. both SHARED_SECRET and SHARED_SECRET_FILE) stop the app with one line. */
function sharedSecretMiddleware(): Middleware {
  try {
    return SharedSecretMiddleware();
  } catch (err) {
    return refuse((err as Error).message);
  }
}

/**
 * Whether a local service needs the secret on this node: a gateway whose front door checks requests
 * (`SharedSecretGateway()`), or a service with an action the middleware (mode "all") protects.
 */
function runsProtectedActions(service: Service): boolean {
  const schema = service.schema as ServiceSchema;
  if (service.name.startsWith("$")) return false;
  const door = (service.metadata as { sharedSecretDoor?: unknown } | undefined)?.sharedSecretDoor;
  if (door !== undefined) return door === "check";
  return Object.values(schema.actions ?? {}).some((action) => {
    const own = typeof action === "object" && action !== null ? action.sharedSecret : undefined;
    return isProtected({ sharedSecret: own, service: { schema } }, "all");
  });
}

/**
 * Only the nodes that run protected actions need a secret: refuse to start one without it (rather
 * than answer 500 to every call), and let a gateway-only node (`SERVICES=services/api.service.ts`)
 * start without it.
 */
const RequireSecretWhereProtected = {
  name: "RequireSecretWhereProtected",
  starting(broker: ServiceBroker) {
    if (secretConfigured) return;
    const needing = broker.services.filter(runsProtectedActions).map((service) => service.fullName);
    if (needing.length === 0) return;
    refuse(
      `${SECRET_ENV} is not set, and this node runs protected services (${needing.join(", ")}): set it to ` +
        `the secret your API gateway sends in x-shared-secret (e.g. ${SECRET_ENV}=$(openssl rand -hex 32) ` +
        `npm start, or a line ${SECRET_ENV}=... in .env), or set ${SECRET_FILE_ENV}. ` +
        "Only a node running nothing but the gateway may omit it.",
    );
  },
} as Middleware;

const config: BrokerOptions = {
  namespace: "",
  nodeID: null,
  logger: { type: "Console", options: { formatter: "short" } },
  logLevel: "info",
  transporter: transporterFromEnv(process.env),
  middlewares: [sharedSecretMiddleware(), RequireSecretWhereProtected],
};

export default config;
