import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, ROOT, startReferenceApp, type Proc } from "../helpers/process";

/*
 * The reference app with gateway-signed tokens turned on from the environment only (TOKEN_*), as
 * docs/tokens.md's "Trying it" does: the local key set of `npm run token:demo -- keys`, a token from
 * `npm run token:demo`, and no SHARED_SECRET on the node.
 */

const keys = mkdtempSync(path.join(tmpdir(), "shared-secret-demo-keys-"));
const demo = (...args: string[]) =>
  execFileSync(process.execPath, [path.join(ROOT, "scripts/demo-token.mjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DEMO_KEYS_DIR: keys },
    encoding: "utf8",
  }).trim();

let app: Proc | undefined;
let base: string;

beforeAll(async () => {
  const settings = Object.fromEntries(
    demo("keys")
      .split("\n")
      .map((line) => line.split(/=(.*)/s, 2)),
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = startReferenceApp({ ...settings, PORT: String(port), IP: "127.0.0.1" }, keys);
  await app.waitFor(/ServiceBroker with \d+ service\(s\) started successfully/, 60000);
}, 90000);

afterAll(async () => {
  await app?.stop();
  rmSync(keys, { recursive: true, force: true });
});

describe("the reference app with TOKEN_* from the environment", () => {
  it("prints the settings that turn tokens on", () => {
    expect(demo("keys")).toBe(
      [
        `TOKEN_JWKS_FILE=${path.join(keys, "jwks.json")}`,
        "TOKEN_ISSUER=https://gateway.local.test",
        "TOKEN_AUDIENCE=https://origin.local.test",
        "TOKEN_ALGORITHMS=EdDSA",
      ].join("\n"),
    );
  });

  it("refuses a request without a token, and one whose signature is not the key set's", async () => {
    const missing = await fetch(`${base}/protected`);
    expect([missing.status, ((await missing.json()) as { type: string }).type]).toEqual([
      401,
      "ERR_NO_TOKEN",
    ]);
    const forged = `${demo().slice(0, -4)}AAAA`;
    const invalid = await fetch(`${base}/protected`, { headers: { authorization: `Bearer ${forged}` } });
    expect([invalid.status, ((await invalid.json()) as { type: string }).type]).toEqual([
      401,
      "ERR_INVALID_TOKEN",
    ]);
  });

  it("admits a token minted by `npm run token:demo`, and serves /health to anyone", async () => {
    const granted = await fetch(`${base}/protected`, { headers: { authorization: `Bearer ${demo()}` } });
    expect([granted.status, await granted.json()]).toEqual([200, { message: "Access granted" }]);
    const health = await fetch(`${base}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
  });
});
