import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");

/** A free TCP port on 127.0.0.1 (bound, read, released). */
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

export interface RunningApp {
  child: ChildProcess;
  output: () => string;
  /** Resolves once `text` has appeared in stdout or stderr. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts the reference app the way `npm start` does (tsx + moleculer-runner + moleculer.config.ts),
 * with exactly the environment given (plus PATH), from `cwd`.
 */
export function startReferenceApp(env: Record<string, string>, cwd = ROOT): RunningApp {
  const args = [
    path.join(ROOT, "node_modules/tsx/dist/cli.mjs"),
    path.join(ROOT, "node_modules/moleculer/bin/moleculer-runner.js"),
    "--env",
    "--config",
    path.join(ROOT, "moleculer.config.ts"),
    path.join(ROOT, "services/*.service.ts"),
  ];
  return startNode(args, env, cwd);
}

/** Starts `node args...` (this Node), with exactly the environment given (plus PATH), from `cwd`. */
export function startNode(args: readonly string[], env: Record<string, string>, cwd = ROOT): RunningApp {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  return {
    child,
    output: () => text,
    exited,
    waitFor(expected, timeoutMs = 20000) {
      const seen = () => (typeof expected === "string" ? text.includes(expected) : expected.test(text));
      return new Promise((resolve, reject) => {
        if (seen()) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${expected}; output so far:\n${text}`));
        }, timeoutMs);
        const check = () => {
          if (!seen()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        void exited.then(() => {
          if (!seen()) {
            clearTimeout(timer);
            reject(new Error(`process exited before ${expected}; output:\n${text}`));
          }
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
