import { readFileSync } from "node:fs";
import type { BrokerOptions, Middleware } from "moleculer";
import {
  SharedSecretMiddleware,
  type SharedSecretOptions,
  type TokenOptions,
  type TokenPreset,
} from "./index";

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

/** A comma-separated variable as a list (undefined when unset or empty). */
function list(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const items = (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length === 0 ? undefined : items;
}

/**
 * Gateway-signed tokens, from the environment (`TOKEN_*`; none set: the shared secret only):
 * `TOKEN_PRESET`, `TOKEN_TEAM` (Cloudflare), `TOKEN_JWKS_URL` or `TOKEN_JWKS_FILE` (a JWKS document),
 * `TOKEN_ISSUER`, `TOKEN_AUDIENCE`, `TOKEN_ALGORITHMS` (lists: comma-separated) and `TOKEN_ACCEPT`
 * (`token`, the default, or `either` during a migration from the secret). The library checks them.
 */
function tokenFromEnv(env: NodeJS.ProcessEnv): Pick<SharedSecretOptions, "token" | "accept"> {
  const names = ["PRESET", "TEAM", "JWKS_URL", "JWKS_FILE", "ISSUER", "AUDIENCE", "ALGORITHMS", "ACCEPT"];
  if (names.every((name) => (env[`TOKEN_${name}`] ?? "").trim() === "")) return {};
  const token: TokenOptions = {};
  const set = <K extends keyof TokenOptions>(key: K, value: TokenOptions[K] | undefined) => {
    if (value !== undefined) token[key] = value;
  };
  set("preset", env.TOKEN_PRESET?.trim() as TokenPreset | undefined);
  set("team", env.TOKEN_TEAM?.trim());
  set("jwksUrl", env.TOKEN_JWKS_URL?.trim());
  const jwksFile = env.TOKEN_JWKS_FILE?.trim();
  if (jwksFile) {
    try {
      token.jwks = JSON.parse(readFileSync(jwksFile, "utf8"));
    } catch (err) {
      refuse(
        `TOKEN_JWKS_FILE ${jwksFile} is not a readable JSON file (${(err as { code?: string }).code ?? "invalid JSON"}).`,
      );
    }
  }
  set("issuer", list(env, "TOKEN_ISSUER"));
  set("audience", list(env, "TOKEN_AUDIENCE"));
  set("algorithms", list(env, "TOKEN_ALGORITHMS"));
  const accept = env.TOKEN_ACCEPT?.trim() || "token";
  return { token, accept: accept as SharedSecretOptions["accept"] };
}

/**
 * The middleware, on every node: each node of this app runs the gateway's door (which checks
 * requests) or protected actions, except one running only `health`, which is not worth a rule of
 * its own. `requireSecret` stops a node without a secret (or, with tokens, without the gateway's
 * keys) before any service starts; bad settings (e.g. both SHARED_SECRET and SHARED_SECRET_FILE)
 * stop the app with one line.
 */
function sharedSecretMiddleware(): Middleware {
  try {
    return SharedSecretMiddleware({ requireSecret: true, ...tokenFromEnv(process.env) });
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
