import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeWhenInstalled, NATS_SERVER } from "../cluster/support/binaries";
import { startNatsServer } from "../cluster/support/nats";
import { freePort, ROOT, spawnNode, stopAll, type Proc } from "../helpers/process";
import { until } from "../helpers/wait";
import { composeFile, dockerfile, execForm } from "./docker-files";

/*
 * The production start the README documents: the app compiled by `npm run build:app` into build/,
 * run by `node` itself (no npm, no tsx in between), so `node` is the process that gets the signals.
 * `npm run start:prod` holds the command; this test runs exactly its arguments, from the repository
 * or, with PRODUCTION_APP_DIR, from a production install (`.ci/run`: deploy/app's manifest, build/,
 * `npm ci --omit=dev`), which then must already hold build/.
 */

const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));
const START: string = readJson("package.json").scripts["start:prod"];
const APP_DIR = process.env.PRODUCTION_APP_DIR ?? ROOT;
const SECRET = randomBytes(24).toString("hex");

let app: Proc | undefined;
let port: number;

/** Whether nothing listens on 127.0.0.1:`port` any more: we can bind it ourselves. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A request the server is busy with: headers sent with `Expect: 100-continue`, and its body held
 * back until `finish()`. The server's `100 Continue` says it has the request; moleculer-web's JSON
 * body parser waits for the body before routing.
 */
async function startRequestInFlight(port: number): Promise<{ finish(): Promise<string> }> {
  const socket = net.connect(port, "127.0.0.1");
  socket.setEncoding("utf8");
  let received = "";
  socket.on("data", (chunk: string) => (received += chunk));
  const closed = new Promise<string>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
  socket.write(
    "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
      "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
  );
  await until(() => received.startsWith("HTTP/1.1 100 Continue"));
  return {
    finish() {
      socket.end("{}");
      return closed;
    },
  };
}

beforeAll(async () => {
  if (APP_DIR === ROOT) {
    execFileSync("npm", ["run", "--silent", "build:app"], { cwd: ROOT, stdio: "inherit", timeout: 120000 });
  }
  port = await freePort();
  app = spawnNode(
    START.split(" ").slice(1),
    { SHARED_SECRET: SECRET, PORT: String(port), IP: "127.0.0.1" },
    { cwd: APP_DIR },
  );
  await app.waitFor(/ServiceBroker with \d+ service\(s\) started successfully/, 30000);
}, 150000);

afterAll(() => app?.stop());

describe("the production start (node, compiled JavaScript)", () => {
  it("is `node` running moleculer-runner on build/, with no npm or tsx in between", () => {
    expect(START).toBe(
      "node node_modules/moleculer/bin/moleculer-runner.js --env --config build/moleculer.config.js build/services",
    );
  });

  it("serves the reference app", async () => {
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    const granted = await fetch(`http://127.0.0.1:${port}/protected`, {
      headers: { "x-shared-secret": SECRET },
    });
    expect([granted.status, await granted.json()]).toEqual([200, { message: "Access granted" }]);
  });

  it("passes the Dockerfile's HEALTHCHECK command, which fails when nothing answers", async () => {
    const healthcheck = dockerfile().find((i) => i.keyword === "HEALTHCHECK");
    const [command, ...args] = execForm(healthcheck?.args ?? "");
    expect(command).toBe("node");
    const run = (port: number) =>
      spawnSync(process.execPath, args, { env: { PORT: String(port) }, timeout: 30000 }).status;
    expect(run(port)).toBe(0);
    expect(run(await freePort())).toBe(1);
  });

  it("on SIGTERM, finishes the request in flight, exits with 0 and frees its port within 2 s", async () => {
    const request = await startRequestInFlight(port);
    const signalledAt = Date.now();
    app?.child.kill("SIGTERM");
    // The broker is stopping (its other services are down) while the request still waits for its body.
    await app?.waitFor("Service 'health' stopped.");
    const answer = await request.finish();
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith('{"status":"ok"}')).toBe(true);
    expect(await app?.exited).toBe(0);
    await until(() => portIsFree(port), 2000 - (Date.now() - signalledAt));
    console.log(`SIGTERM to port free: ${Date.now() - signalledAt} ms`);
  });
});

describe("deploy/app/package.json, the production install's manifest", () => {
  const manifest = readJson("deploy/app/package.json");
  const lock = readJson("package-lock.json");

  it("pins each dependency to the version the repository's lockfile installs", () => {
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(`${name}@${version}`).toBe(`${name}@${lock.packages[`node_modules/${name}`].version}`);
    }
  });

  it("lists every package the compiled app requires (and dotenv, for the runner's --env)", () => {
    const files = readdirSync(path.join(APP_DIR, "build"), { recursive: true, encoding: "utf8" });
    const required = new Set(["dotenv"]);
    for (const file of files.filter((name) => name.endsWith(".js"))) {
      const text = readFileSync(path.join(APP_DIR, "build", file), "utf8");
      for (const [, name] of text.matchAll(/require\("([^./][^"]*)"\)/g)) {
        if (!name.startsWith("node:")) required.add(name.split("/")[0]);
      }
    }
    // nats is there too, for TRANSPORTER=nats://... (moleculer requires it then).
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining([...required]));
  });
});

describeWhenInstalled(NATS_SERVER)("compose.yaml's nodes, run without Docker", () => {
  /*
   * Each node of compose.yaml as its container would run it: the Dockerfile's CMD and ENV, the
   * node's environment, the Docker secret as a file; NATS on 127.0.0.1 (a free port) instead of the
   * `nats` container, and the gateway on 127.0.0.1.
   */
  const compose = composeFile();
  const imageEnv = Object.fromEntries(
    dockerfile()
      .filter((i) => i.keyword === "ENV" && i.stage === 1)
      .flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split("=", 2))),
  );
  const secretDir = mkdtempSync(path.join(tmpdir(), "shared-secret-compose-"));
  const secretFile = path.join(secretDir, "shared_secret");
  const procs: Proc[] = [];
  let gateway: string;

  beforeAll(async () => {
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const natsPort = await freePort();
    procs.push(await startNatsServer(natsPort));
    const httpPort = await freePort();
    gateway = `http://127.0.0.1:${httpPort}`;
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build !== ".") continue;
      const env = {
        ...imageEnv,
        ...service.environment,
        TRANSPORTER: `nats://127.0.0.1:${natsPort}`,
        SHARED_SECRET_FILE: secretFile,
        IP: "127.0.0.1",
        PORT: String(httpPort),
      };
      const node = spawnNode(START.split(" ").slice(1), env as Record<string, string>, { cwd: APP_DIR });
      procs.push(node);
      await node.waitFor(/ServiceBroker with \d+ service\(s\) started successfully/, 30000);
      expect(node.output()).toContain(`Node ID: ${name}`);
    }
  }, 120000);

  afterAll(async () => {
    await stopAll(procs);
    rmSync(secretDir, { recursive: true, force: true });
  });

  it("serves through the gateway node, with the secret from the Docker secret file", async () => {
    // The gateway learns of the service nodes over NATS: wait until it routes to them.
    await until(
      async () => (await fetch(`${gateway}/relay`, { headers: { "x-shared-secret": SECRET } })).ok,
      20000,
    );
    const relayed = await fetch(`${gateway}/relay`, { headers: { "x-shared-secret": SECRET } });
    expect(((await relayed.json()) as { relayedBy: string }).relayedBy).toMatch(/^services-[12]$/);
    const denied = await fetch(`${gateway}/protected`);
    expect(denied.status).toBe(401);
    const health = await fetch(`${gateway}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
  });
});
