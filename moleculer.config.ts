import type { BrokerOptions, Middleware } from "moleculer";
import { SharedSecretMiddleware } from "./index";

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

/**
 * The middleware, on every node: each node of this app runs the gateway's door (which checks
 * requests) or protected actions, except one running only `health`, which is not worth a rule of
 * its own. `requireSecret` stops a node without a secret before any service starts; bad settings
 * (e.g. both SHARED_SECRET and SHARED_SECRET_FILE) stop the app with one line.
 */
function sharedSecretMiddleware(): Middleware {
  try {
    return SharedSecretMiddleware({ requireSecret: true });
  } catch (err) {
    return refuse((err as Error).message);
  }
}

const config: BrokerOptions = {
  namespace: "",
  nodeID: null,
  logger: { type: "Console", options: { formatter: "short" } },
  logLevel: "info",
  transporter: transporterFromEnv(process.env),
  middlewares: [sharedSecretMiddleware()],
};

export default config;
