import { randomBytes } from "node:crypto";
import { describeWhenInstalled, NATS_SERVER } from "./support/binaries";
import { get } from "./support/http";
import { figures, requestLoop, type Outcome } from "./support/loop";
import { captureEverything, startNatsServer, type Captured } from "./support/nats";
import { freePort, stopAll, type Proc } from "../helpers/process";
import { startNode, STARTED } from "./support/processes";

/*
 * Four Moleculer nodes in four processes, each started with `npm start` and its own SERVICES, over a
 * real nats-server on a free loopback port:
 *   node-gw     api (moleculer-web with the front door), which checks every request with SHARED_SECRET
 *   node-relay  relay: relay.access calls protected.access, which runs on another node
 *   node-p1     protected, health
 *   node-p2     protected, health (the second instance, which takes over when node-p1 dies)
 */

// Skipped (one line on stderr), or failed under CI, without nats-server.
const describeWithNats = describeWhenInstalled(NATS_SERVER);

const SECRET = randomBytes(24).toString("hex");
const WITH_SECRET = { "x-shared-secret": SECRET };
const WRONG_SECRET = { "x-shared-secret": randomBytes(24).toString("hex") };

// Short timings so faults show within seconds: how long a caller waits for an answer, and how soon
// a silent node counts as gone. Users set the same moleculer-runner variables.
const TIMINGS = { REQUESTTIMEOUT: "2000", HEARTBEATINTERVAL: "1", HEARTBEATTIMEOUT: "3" };

let natsPort: number;
let httpPort: number;
let base: string;
let nats: Proc | undefined;
const nodes: Record<string, Proc> = {};

function startClusterNode(nodeID: string, services: string[], secret: string): Proc {
  nodes[nodeID] = startNode({
    nodeID,
    services,
    env: {
      ...TIMINGS,
      TRANSPORTER: `nats://127.0.0.1:${natsPort}`,
      SHARED_SECRET: secret,
      PORT: String(httpPort),
    },
  });
  return nodes[nodeID];
}

beforeAll(async () => {
  natsPort = await freePort();
  httpPort = await freePort();
  base = `http://127.0.0.1:${httpPort}`;
  nats = await startNatsServer(natsPort);
  const started = [
    startClusterNode("node-gw", ["services/api.service.ts"], SECRET),
    startClusterNode("node-relay", ["services/relay.service.ts"], SECRET),
    startClusterNode("node-p1", ["services/protected.service.ts", "services/health.service.ts"], SECRET),
    startClusterNode("node-p2", ["services/protected.service.ts", "services/health.service.ts"], SECRET),
  ];
  await Promise.all(started.map((proc) => proc.waitFor(STARTED, 60000)));
  const peers = ["node-relay", "node-p1", "node-p2"].map((id) => new RegExp(`Node '${id}' connected`));
  await Promise.all(peers.map((peer) => nodes["node-gw"].waitFor(peer, 20000)));
  await Promise.all(peers.slice(1).map((peer) => nodes["node-relay"].waitFor(peer, 20000)));
  // And the other way: a node checks the gateway's calls (and lets the relay's nested calls through)
  // once it knows them; before that, an unknown caller without the secret gets a retryable 503.
  const callers = ["node-gw", "node-relay"].map((id) => new RegExp(`Node '${id}' connected`));
  for (const id of ["node-p1", "node-p2"]) {
    await Promise.all(callers.map((caller) => nodes[id].waitFor(caller, 20000)));
  }
  await nodes["node-relay"].waitFor(/Node 'node-gw' connected/, 20000);
}, 120000);

afterAll(async () => {
  await stopAll([...Object.values(nodes), nats]);
}, 30000);

describeWithNats("a gateway node and protected nodes over NATS", () => {
  it.each([
    { path: "/protected", secret: "no", headers: {}, status: 401, message: "No secret provided" },
    { path: "/protected", secret: "a wrong", headers: WRONG_SECRET, status: 401, message: "Invalid secret" },
    { path: "/protected", secret: "the", headers: WITH_SECRET, status: 200, message: "Access granted" },
    { path: "/relay", secret: "no", headers: {}, status: 401, message: "No secret provided" },
    { path: "/relay", secret: "a wrong", headers: WRONG_SECRET, status: 401, message: "Invalid secret" },
    { path: "/relay", secret: "the", headers: WITH_SECRET, status: 200, message: "Access granted" },
  ])("answers GET $path with $secret secret as one node does: $status $message", async (row) => {
    const answer = await get(`${base}${row.path}`, row.headers);
    expect(answer.status).toBe(row.status);
    expect(answer.json?.message).toBe(row.message);
  });

  it("answers GET /health with 200 without the secret", async () => {
    const answer = await get(`${base}/health`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: "ok" });
  });

  it("starts the gateway-only node, its door reporting which routes are open", () => {
    const output = nodes["node-gw"].output();
    expect(output).toMatch(/API Gateway listening/);
    expect(output).toMatch(/GET \/health +action health\.check +open +alias sharedSecret: false/);
    expect(output).toMatch(/GET \/protected +action protected\.access +locked +default/);
  });

  it("runs the nested call on another node, which is never asked for the secret", async () => {
    const answer = await get(`${base}/relay`, WITH_SECRET);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ message: "Access granted", relayedBy: "node-relay" });
  });
});

interface Packet {
  sender?: string;
  action?: string;
}

const packet = (message: Captured) => JSON.parse(message.text) as Packet;
const holdsSecret = (message: Captured) => message.text.includes(SECRET);

describeWithNats("what crosses NATS (a raw subscriber on '>')", () => {
  it("carries the secret only in the gateway's request to the node that verifies it", async () => {
    const capture = await captureEverything(natsPort);
    try {
      const paths = ["/protected", "/relay", "/protected", "/relay", "/protected", "/relay"];
      for (const path of paths) expect((await get(`${base}${path}`, WITH_SECRET)).status).toBe(200);
      await capture.settle();
      const relays = paths.filter((path) => path === "/relay").length;

      // One packet per HTTP request holds the secret: the REQUEST from the gateway node to the node
      // running the protected action, where it is verified and removed.
      const withSecret = capture.messages.filter(holdsSecret);
      expect(withSecret).toHaveLength(paths.length);
      for (const message of withSecret) {
        expect(message.subject).toMatch(/^MOL\.REQ\.node-(relay|p1|p2)$/);
        expect(packet(message).sender).toBe("node-gw");
      }
      expect(withSecret.filter((m) => packet(m).action === "relay.access")).toHaveLength(relays);

      // Everything after verification went by without it: the responses to the gateway, the nested
      // requests from node-relay to the protected nodes, and their responses.
      const responses = capture.messages.filter((m) => m.subject === "MOL.RES.node-gw");
      const nested = capture.messages.filter(
        (m) => /^MOL\.REQ\.node-p[12]$/.test(m.subject) && packet(m).sender === "node-relay",
      );
      const nestedResponses = capture.messages.filter((m) => m.subject === "MOL.RES.node-relay");
      expect(responses).toHaveLength(paths.length);
      expect(nested).toHaveLength(relays);
      expect(nestedResponses).toHaveLength(relays);
      expect([...responses, ...nested, ...nestedResponses].filter(holdsSecret)).toEqual([]);
    } finally {
      await capture.close();
    }
  });

  // An unprotected action (here /health) announces no check: the secret is not sent to it at all.
  it("never sends the secret to a node serving an unprotected action, nor back from it", async () => {
    const capture = await captureEverything(natsPort);
    try {
      expect((await get(`${base}/health`, WITH_SECRET)).status).toBe(200);
      await capture.settle();
      expect(capture.messages.some((m) => /^MOL\.REQ\.node-p[12]$/.test(m.subject))).toBe(true);
      expect(capture.messages.filter(holdsSecret)).toEqual([]);
    } finally {
      await capture.close();
    }
  });
});

const PROBES = [
  { path: "/protected", headers: {} },
  { path: "/protected", headers: WITH_SECRET },
  { path: "/relay", headers: {} },
  { path: "/relay", headers: WITH_SECRET },
];

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Each answer is the normal one (200 with the secret, 401 without) or a 503/504: never 200 without. */
function expectNormalOr5xx(outcomes: readonly Outcome[]) {
  const allowed = (o: Outcome) =>
    o.status === (o.withSecret ? 200 : 401) || o.status === 503 || o.status === 504;
  expect(outcomes.filter((o) => !allowed(o))).toEqual([]);
}

function report(title: string, data: object) {
  console.log(`${title}\n${JSON.stringify(data, null, 2)}`);
}

describeWithNats("faults", () => {
  it("answers 503/504, never 200 without the secret, while NATS is down, and resumes when it is back", async () => {
    const loop = requestLoop(base, PROBES, 800, 45000);
    await sleep(1500);
    const stoppedAt = Date.now();
    await nats?.stop();
    await sleep(7000); // longer than HEARTBEATTIMEOUT: the gateway also sees the services vanish
    nats = await startNatsServer(natsPort);
    const restartedAt = Date.now();
    await loop.grantedSince(restartedAt, 25000);
    await loop.settled(3, 30000);
    await loop.stop();

    const result = figures(loop.outcomes, stoppedAt);
    const outageMs = restartedAt - stoppedAt;
    report("NATS outage: nats-server stopped, restarted on the same port 7 s later", {
      ...result,
      outageMs,
      recoveredAfterRestartMs: result.recoveredAfterMs - outageMs,
    });
    expect(result.grantedWithoutSecret).toBe(0);
    expectNormalOr5xx(loop.outcomes);
    expect(result.failed).toBeGreaterThan(0);
    // Back to normal with the same processes: answers after recovery, and no node restarted.
    expect(Number.isFinite(result.recoveredAfterMs)).toBe(true);
    for (const proc of Object.values(nodes)) expect(proc.child.exitCode).toBeNull();
  }, 90000);

  it("lets the second instance take over when a node running the protected service is killed", async () => {
    const loop = requestLoop(base, PROBES, 800, 45000);
    await sleep(1500);
    const killedAt = Date.now();
    // Only lines written from now on count: the NATS outage above already logged disconnections.
    const marks = { gw: nodes["node-gw"].output().length, relay: nodes["node-relay"].output().length };
    await nodes["node-p1"].stop("SIGKILL");
    await nodes["node-gw"].waitFor(/Node 'node-p1' disconnected unexpectedly/, 15000, marks.gw);
    await nodes["node-relay"].waitFor(/Node 'node-p1' disconnected unexpectedly/, 15000, marks.relay);
    await loop.grantedSince(Date.now(), 10000);
    await loop.settled(3, 30000);
    await loop.stop();

    const result = figures(loop.outcomes, killedAt);
    report("Service node node-p1 killed (SIGKILL) mid-loop; node-p2 left", result);
    expect(result.grantedWithoutSecret).toBe(0);
    expectNormalOr5xx(loop.outcomes);
    // node-p1 is dead, so the requests granted since recovery (the loop ends on 3 normal answers to each probe)
    // were served by node-p2.
    expect(nodes["node-p1"].child.exitCode ?? nodes["node-p1"].child.signalCode).not.toBeNull();
    expect(Number.isFinite(result.recoveredAfterMs)).toBe(true);
  }, 90000);
});
