import { randomBytes } from "node:crypto";
import { describeWhenInstalled, NGINX } from "./support/binaries";
import { get } from "./support/http";
import { startNginxGateway, type Gateway } from "./support/nginx";
import { freePort, stopAll, type Proc } from "../helpers/process";
import { startNode, STARTED } from "./support/processes";

/*
 * nginx plays the API gateway (deploy/nginx/*.template): it checks the user's API key, adds
 * x-shared-secret and proxies to the reference app, started with `npm start` on loopback.
 */

// Skipped (one line on stderr), or failed under CI, without nginx.
const describeWithNginx = describeWhenInstalled(NGINX);

const SECRET = randomBytes(32).toString("hex");
const API_KEY = randomBytes(32).toString("hex");
const NONE: Record<string, string> = {};

let origin: Proc | undefined;
let gateway: Gateway | undefined;
let originBase: string;
let gatewayBase: string;

/**
 * How many requests have reached the origin (moleculer-web logs one `=> GET /path` line for each),
 * counted once the origin has logged a marker request sent now, so no earlier line is still on its way.
 */
async function originRequests(): Promise<number> {
  const marker = randomBytes(8).toString("hex");
  await get(`${originBase}/health?marker=${marker}`);
  await origin?.waitFor(new RegExp(`=> GET /health\\?marker=${marker}`), 5000);
  return origin?.output().match(/=> GET \//g)?.length ?? 0;
}

beforeAll(async () => {
  const [originPort, gatewayPort] = [await freePort(), await freePort()];
  originBase = `http://127.0.0.1:${originPort}`;
  gatewayBase = `http://127.0.0.1:${gatewayPort}`;
  origin = startNode({
    nodeID: "origin",
    services: ["services/*.service.ts"],
    env: { SHARED_SECRET: SECRET, PORT: String(originPort) },
  });
  await origin.waitFor(STARTED, 60000);
  gateway = await startNginxGateway({
    port: gatewayPort,
    origin: `127.0.0.1:${originPort}`,
    secret: SECRET,
    keys: { [API_KEY]: "test-client" },
  });
}, 120000);

afterAll(async () => {
  await Promise.all([gateway?.stop(), stopAll([origin])]);
}, 30000);

describeWithNginx("nginx as the API gateway", () => {
  it("grants a request with a good API key: nginx adds the secret", async () => {
    const before = await originRequests();
    const answer = await get(`${gatewayBase}/protected`, { authorization: `Bearer ${API_KEY}` });
    expect(answer.status).toBe(200);
    expect(answer.json?.message).toBe("Access granted");
    expect(await originRequests()).toBe(before + 2); // this one went through (the counter works)
  });

  it("uses its own secret, whatever x-shared-secret the client sends", async () => {
    const headers = { authorization: `Bearer ${API_KEY}`, "x-shared-secret": "forged" };
    const answer = await get(`${gatewayBase}/relay`, headers);
    expect(answer.status).toBe(200);
    expect(answer.json?.message).toBe("Access granted");
  });

  it.each([
    { what: "a bad API key", headers: { authorization: `Bearer ${randomBytes(32).toString("hex")}` } },
    { what: "no API key", headers: NONE },
    { what: "the shared secret but no API key", headers: { "x-shared-secret": SECRET } },
    { what: "a key without the Bearer scheme", headers: { authorization: API_KEY } },
  ])("answers 401 itself to $what, and the origin never sees the request", async ({ headers }) => {
    const before = await originRequests();
    const answer = await get(`${gatewayBase}/protected`, headers);
    expect(answer.status).toBe(401);
    expect(answer.json?.message).toBe("Missing or unknown API key");
    expect(answer.body).not.toContain("SharedSecretError");
    // Only the marker request of the second count reached the origin in between.
    expect(await originRequests()).toBe(before + 1);
  });
});

describeWithNginx("the origin, called directly (bypassing the gateway)", () => {
  it("refuses a request without the secret: 401 No secret provided", async () => {
    const answer = await get(`${originBase}/protected`);
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ message: "No secret provided", type: "ERR_NO_SECRET" });
  });

  it("ignores the API key: a good key without the secret is still 401", async () => {
    const answer = await get(`${originBase}/protected`, { authorization: `Bearer ${API_KEY}` });
    expect(answer.status).toBe(401);
  });

  it("grants a request with the secret: 200 Access granted", async () => {
    const answer = await get(`${originBase}/protected`, { "x-shared-secret": SECRET });
    expect(answer.status).toBe(200);
    expect(answer.json?.message).toBe("Access granted");
  });
});
