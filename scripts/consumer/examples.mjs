// The examples/ projects as a user runs them: a copy of the folder, `cp .env.example .env`,
// `npm start`, then the answers the README shows, over HTTP on 127.0.0.1. The copy sits inside a
// matrix cell whose node_modules (moleculer, moleculer-web, the packed tarball, TypeScript...) it
// shares by Node's and npm's lookup in parent folders, so no example installs anything itself.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/** What `cp -r` of an example brings, without what a previous local run left. */
const LEFT_BY_RUNS = new Set(["node_modules", "dist", ".env", ".keys", "package-lock.json"]);

/** moleculer-web's JSON for a refusal. */
const refused = (message, type) => ({ name: "SharedSecretError", message, code: 401, type });

/** The answers each example must give, made from its copy `dir`: [path, headers, status, body]. */
export const EXPECTED = {
  "minimal-js": secretAnswers,
  "minimal-ts": secretAnswers,
  tokens: (dir) => {
    const token = execFileSync("npm", ["run", "--silent", "token"], { cwd: dir, encoding: "utf8" }).trim();
    return [
      ["/health", {}, 200, { status: "ok" }],
      ["/whoami", {}, 401, refused("No token provided", "ERR_NO_TOKEN")],
      ["/whoami", { authorization: `Bearer ${token}x` }, 401, refused("Invalid token", "ERR_INVALID_TOKEN")],
      ["/whoami", { authorization: `Bearer ${token}` }, 200, { consumer: "consumer-1" }],
    ];
  },
};

function secretAnswers(dir) {
  const secret = /^SHARED_SECRET=(.*)$/m.exec(fs.readFileSync(path.join(dir, ".env"), "utf8"))[1];
  return [
    ["/health", {}, 200, { status: "ok" }],
    ["/protected", {}, 401, refused("No secret provided", "ERR_NO_SECRET")],
    ["/protected", { "x-shared-secret": "wrong" }, 401, refused("Invalid secret", "ERR_INVALID_SECRET")],
    ["/protected", { "x-shared-secret": secret }, 200, { message: "Access granted" }],
  ];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Copies `source` to `target` as `cp -r` would, leaving out what local runs leave behind. */
function copyExample(source, target) {
  fs.cpSync(source, target, { recursive: true, filter: (file) => !LEFT_BY_RUNS.has(path.basename(file)) });
}

/** Starts `npm start` in `dir` (its own process group) and waits until it answers `GET /health`. */
async function start(dir, port) {
  const child = spawn("npm", ["start"], { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 120000; // a bound for a failure to start (TypeScript compiles first), not a speed check
  for (;;) {
    if (ended) throw new Error(`npm start in ${dir} exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start in ${dir} did not answer /health:\n${output}`);
    const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
    if (health?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    output: () => output,
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // gone already
      }
      return exited;
    },
  };
}

/** Runs every example in `cellDir/examples/`; returns one line per example. */
export async function runExamples(examplesRoot, cellDir) {
  const lines = [];
  for (const name of Object.keys(EXPECTED)) {
    const dir = path.join(cellDir, "examples", name);
    copyExample(path.join(examplesRoot, name), dir);
    const port = await freePort();
    const env = fs.readFileSync(path.join(dir, ".env.example"), "utf8").replace(/^PORT=.*$/m, `PORT=${port}`);
    fs.writeFileSync(path.join(dir, ".env"), env);
    const app = await start(dir, port);
    const answers = EXPECTED[name](dir);
    try {
      for (const [url, headers, status, body] of answers) {
        const res = await fetch(`http://127.0.0.1:${port}${url}`, { headers });
        const got = await res.json();
        if (res.status !== status || JSON.stringify(got) !== JSON.stringify(body)) {
          throw new Error(
            `example ${name}: GET ${url} answered ${res.status} ${JSON.stringify(got)}, expected ${status} ${JSON.stringify(body)}\n${app.output()}`,
          );
        }
      }
    } finally {
      await app.stop();
    }
    const version = /Moleculer v(\S+) is starting/.exec(app.output())?.[1];
    lines.push(
      `example ${name}: ok (cp .env.example .env && npm start; moleculer ${version}; ${answers.length} answers)`,
    );
  }
  return lines;
}
