import { join } from "node:path";
import { ROOT, spawnProcess, type Proc } from "../../helpers/process";

// A cluster node as `npm start` runs it; the process itself is test/helpers/process.ts's.

/** Variables the runner or the app read: cleared so a developer's shell or `.env` cannot leak in. */
const APP_VARIABLES = [
  "SHARED_SECRET",
  "TRANSPORTER",
  "TCP_URLS",
  "SERVICES",
  "SERVICEDIR",
  "NODEID",
  "NAMESPACE",
  "PORT",
  "IP",
  "LOGLEVEL",
  "REQUESTTIMEOUT",
  "HEARTBEATINTERVAL",
  "HEARTBEATTIMEOUT",
  "MOLECULER_CONFIG",
];

export interface NodeSpec {
  nodeID: string;
  /** Service files, relative to the repository root, e.g. `services/api.service.ts`. */
  services: readonly string[];
  /** Application variables (SHARED_SECRET, TRANSPORTER, PORT, ...). Unset ones are set empty. */
  env: Record<string, string>;
}

/**
 * Starts one Moleculer node the way a user does: `npm start` (tsx + moleculer-runner +
 * moleculer.config.ts) with `SERVICES` naming what this node runs and `NODEID` its name.
 */
export function startNode(spec: NodeSpec): Proc {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Set, even empty: dotenv (`--env`) never overrides a variable that is set.
  for (const name of APP_VARIABLES) env[name] = "";
  Object.assign(env, spec.env, { NODEID: spec.nodeID, SERVICES: spec.services.join(",") });
  env.PATH = `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
  return spawnProcess(spec.nodeID, "npm", ["start", "--silent"], { env });
}

/** Matches the runner's line once a node has started all its services. */
export const STARTED = /ServiceBroker with \d+ service\(s\) started successfully/;
