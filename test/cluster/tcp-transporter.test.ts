import { randomBytes } from "node:crypto";
import { get } from "./support/http";
import { freePort, stopAll, type Proc } from "../helpers/process";
import { startNode, STARTED } from "./support/processes";

/*
 * The built-in TCP transporter, for users without NATS: a gateway node and a service node in two
 * processes, static peers on 127.0.0.1 (TCP_URLS), UDP discovery off.
 */

const SECRET = randomBytes(24).toString("hex");
const NONE: Record<string, string> = {};
let base: string;
const nodes: Proc[] = [];

beforeAll(async () => {
  const [gwPort, svcPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  base = `http://127.0.0.1:${httpPort}`;
  const env = {
    TRANSPORTER: "TCP",
    TCP_URLS: `127.0.0.1:${gwPort}/tcp-gw,127.0.0.1:${svcPort}/tcp-svc`,
    PORT: String(httpPort),
  };
  nodes.push(
    startNode({
      nodeID: "tcp-gw",
      services: ["services/api.service.ts"],
      env: { ...env, SHARED_SECRET: SECRET },
    }),
    startNode({
      nodeID: "tcp-svc",
      services: ["services/protected.service.ts", "services/health.service.ts", "services/relay.service.ts"],
      env: { ...env, SHARED_SECRET: SECRET },
    }),
  );
  await Promise.all(nodes.map((node) => node.waitFor(STARTED, 60000)));
  // Both ways: the service node checks the gateway's calls only once it knows the gateway
  // (before that, an unknown caller without the secret gets a retryable 503).
  await nodes[0].waitFor(/Node 'tcp-svc' (re)?connected/, 20000);
  await nodes[1].waitFor(/Node 'tcp-gw' (re)?connected/, 20000);
}, 90000);

afterAll(async () => {
  await stopAll(nodes);
}, 30000);

describe("two nodes over the TCP transporter", () => {
  it.each([
    { path: "/protected", secret: "no", headers: NONE, status: 401, message: "No secret provided" },
    {
      path: "/protected",
      secret: "a wrong",
      headers: { "x-shared-secret": "wrong" },
      status: 401,
      message: "Invalid secret",
    },
    {
      path: "/protected",
      secret: "the",
      headers: { "x-shared-secret": SECRET },
      status: 200,
      message: "Access granted",
    },
    {
      path: "/relay",
      secret: "the",
      headers: { "x-shared-secret": SECRET },
      status: 200,
      message: "Access granted",
    },
  ])("answers GET $path with $secret secret: $status $message", async (row) => {
    const answer = await get(`${base}${row.path}`, row.headers);
    expect(answer.status).toBe(row.status);
    expect(answer.json?.message).toBe(row.message);
  });

  it("answers GET /health with 200 without the secret", async () => {
    expect((await get(`${base}/health`)).status).toBe(200);
  });

  it("runs with UDP discovery off and only the listed loopback peers", () => {
    for (const node of nodes) {
      expect(node.output()).toMatch(/UDP Discovery is disabled/);
      expect(node.output()).not.toMatch(/UDP discovery started/);
    }
  });
});
