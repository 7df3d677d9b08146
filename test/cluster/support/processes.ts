import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";

/** The repository root: nodes are started from here, as a user runs `npm start`. */
export const ROOT = resolve(__dirname, "..", "..", "..");

/** A child process started in its own process group, with its output kept for assertions. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output from `fromOffset` on (default: all) matches `pattern`; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number, fromOffset?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Signals the whole process group (npm, sh, tsx and node) and waits for the leader to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Proc>();

// Last resort if a test file dies without its afterAll: no server outlives the test process.
process.on("exit", () => {
  for (const proc of running) killGroup(proc.child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Starts `command` with `args` in a new process group; `env` is the whole environment. */
export function spawnProcess(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Proc {
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | string>((done) => {
    child.on("exit", (code, signal) => {
      done(code ?? signal ?? "unknown");
      for (const listener of listeners) listener();
    });
    child.on("error", (err) => {
      out += `\n[spawn error] ${err.message}\n`;
      done("spawn-error");
    });
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
    running.delete(proc);
  });

  const proc: Proc = {
    name,
    child,
    exited,
    output: () => out,
    waitFor(pattern, timeoutMs = 20000, fromOffset = 0) {
      return new Promise<void>((done, fail) => {
        const timer = setTimeout(
          () => finish(new Error(`${name}: no ${pattern} after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (pattern.test(out.slice(fromOffset))) finish();
          else if (ended) finish(new Error(`${name} exited before ${pattern}`));
        };
        function finish(err?: Error) {
          clearTimeout(timer);
          listeners.delete(check);
          if (err) fail(new Error(`${err.message}\n--- last output of ${name} ---\n${out.slice(-3000)}`));
          else done();
        }
        listeners.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (ended) return;
      killGroup(child, signal);
      const timeout = new Promise((done) => setTimeout(done, 5000).unref());
      if ((await Promise.race([exited.then(() => "ended"), timeout])) !== "ended") {
        killGroup(child, "SIGKILL");
        await exited;
      }
      // The leader may end before the rest of its group (node under npm and tsx): finish them too.
      killGroup(child, "SIGKILL");
    },
  };
  running.add(proc);
  return proc;
}

/** Stops every process given, in parallel, whatever state each is in. */
export async function stopAll(procs: Iterable<Proc | undefined>): Promise<void> {
  await Promise.all([...procs].map((proc) => proc?.stop()));
}

/** A TCP port free on 127.0.0.1 right now: the one helper of the whole test suite. */
export { freePort } from "../../helpers/process";

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
  return spawnProcess(spec.nodeID, "npm", ["start", "--silent"], env);
}

/** Matches the runner's line once a node has started all its services. */
export const STARTED = /ServiceBroker with \d+ service\(s\) started successfully/;
