import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "../helpers/http";
import { freePort, startReferenceApp, stopAll, type Proc } from "../helpers/process";

const SECRET = "startup-secret-9d3b7f1e5a2c4e6b8d0f";

describe("starting the reference app", () => {
  const running: Proc[] = [];
  afterEach(async () => {
    await stopAll(running);
    running.length = 0;
  });

  it("refuses to start with both SHARED_SECRET and SHARED_SECRET_FILE, saying so in one line", async () => {
    const app = startReferenceApp({ SHARED_SECRET: SECRET, SHARED_SECRET_FILE: "/run/secrets/x", PORT: "0" });
    running.push(app);
    expect(await app.exited).not.toBe(0);
    expect(app.output().trim()).toBe(
      "Shared secret: SHARED_SECRET and SHARED_SECRET_FILE are both set; use one of them (put every accepted secret in the file during a rotation).",
    );
  });

  it.each([
    ["unset", {}],
    ["empty", { SHARED_SECRET: "" }],
    ["blank", { SHARED_SECRET: "   " }],
  ])("refuses to start when SHARED_SECRET is %s, saying why and naming it", async (_name, env) => {
    const app = startReferenceApp({ ...env, PORT: String(await freePort()) });
    running.push(app);
    const code = await app.exited;
    expect(code).not.toBe(0);
    const naming = app
      .output()
      .split("\n")
      .filter((line) => line.includes("SHARED_SECRET"));
    // One line, once: what is missing and why the node stops; no stack trace, no promise of 500s.
    expect(naming).toHaveLength(1);
    expect(naming[0]).toContain(
      'Shared secret: no secret configured (set SHARED_SECRET, SHARED_SECRET_FILE or the "secret" option); requireSecret is set, so this node does not start.',
    );
    expect(app.output()).not.toMatch(/refused with 500|\n\s+at /);
    // Refused before any service starts: the gateway never listens.
    expect(app.output()).not.toContain("listening");
  });

  it("serves on PORT, logs at LOGLEVEL, and never logs the secret", async () => {
    const port = await freePort();
    const app = startReferenceApp({ SHARED_SECRET: SECRET, PORT: String(port), LOGLEVEL: "debug" });
    running.push(app);
    await app.waitFor(`listening on http://127.0.0.1:${port}`);

    expect((await request(port, "/protected", { "x-shared-secret": SECRET })).body).toEqual({
      message: "Access granted",
    });
    expect((await request(port, "/protected", { "x-shared-secret": "wrong" })).status).toBe(401);
    expect((await request(port, "/protected")).status).toBe(401);
    expect((await request(port, "/health")).status).toBe(200);

    await app.waitFor("<= 200 GET /health");
    expect(app.output()).toMatch(/DEBUG/);
    await app.stop();
    expect(app.output()).not.toContain(SECRET);
  });

  it("reads SHARED_SECRET and PORT from a .env file in the working directory", async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-env-"));
    fs.writeFileSync(path.join(dir, ".env"), `SHARED_SECRET=${SECRET}\nPORT=${port}\n`);
    const app = startReferenceApp({}, dir);
    running.push(app);
    try {
      await app.waitFor(`listening on http://127.0.0.1:${port}`);
      expect((await request(port, "/protected", { "x-shared-secret": SECRET })).status).toBe(200);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
