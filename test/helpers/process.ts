import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

/** The repository root: processes start from here unless told otherwise, as a user runs `npm start`. */
export const ROOT = path.resolve(__dirname, "../..");

/** A free TCP port on 127.0.0.1 (bound, read, released): the one helper of the whole test suite. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What a process's output is waited for: a text it contains, a pattern it matches, or a test of it. */
export type Expected = string | RegExp | ((output: string) => boolean);

/** A child process started in its own process group, with its output kept for assertions. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves once the output from `fromOffset` on (default: all) shows `expected`; rejects on exit or timeout. */
  waitFor(expected: Expected, timeoutMs?: number, fromOffset?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Signals the whole process group (npm, sh, tsx and node) and waits for the leader to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  /** The whole environment of the process. */
  env: NodeJS.ProcessEnv;
  /** Where it starts; default {@link ROOT}. */
  cwd?: string;
  /** How its output is decoded; default UTF-8 (the leak hunt reads bytes as latin1). */
  encoding?: BufferEncoding;
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

function shows(expected: Expected, output: string): boolean {
  if (typeof expected === "string") return output.includes(expected);
  if (expected instanceof RegExp) return expected.test(output);
  return expected(output);
}

/** Starts `command` with `args` in a new process group. */
export function spawnProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Proc {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const encoding = options.encoding ?? "utf8";
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString(encoding);
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
    waitFor(expected, timeoutMs = 20000, fromOffset = 0) {
      return new Promise<void>((done, fail) => {
        const timer = setTimeout(
          () => finish(new Error(`${name}: no ${expected} after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (shows(expected, out.slice(fromOffset))) finish();
          else if (ended) finish(new Error(`${name} exited before ${expected}`));
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

/**
 * Starts `node args...` (this Node) with exactly the environment given (plus PATH), from
 * `options.cwd` (default {@link ROOT}).
 */
export function spawnNode(
  args: readonly string[],
  env: Record<string, string>,
  options: Omit<SpawnOptions, "env"> = {},
): Proc {
  return spawnProcess("node", process.execPath, args, {
    ...options,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
}

/** `node` running moleculer-runner under tsx, as `npm start` does, with `runnerArgs` after it. */
export function spawnRunner(
  runnerArgs: readonly string[],
  env: Record<string, string>,
  options: Omit<SpawnOptions, "env"> = {},
): Proc {
  const runner = [
    path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
    path.join(ROOT, "node_modules/moleculer/bin/moleculer-runner.js"),
  ];
  return spawnNode([...runner, ...runnerArgs], env, options);
}

/**
 * Starts the reference app the way `npm start` does (tsx + moleculer-runner + moleculer.config.ts),
 * with exactly the environment given (plus PATH), from `cwd`.
 */
export function startReferenceApp(env: Record<string, string>, cwd = ROOT): Proc {
  const args = [
    "--env",
    "--config",
    path.join(ROOT, "moleculer.config.ts"),
    path.join(ROOT, "services/*.service.ts"),
  ];
  return spawnRunner(args, env, { cwd });
}
