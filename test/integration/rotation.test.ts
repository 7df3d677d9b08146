import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SharedSecretMiddleware } from "../../index";
import { startApp, type TestApp } from "../helpers/app";
import { sleep, until } from "../helpers/wait";

const A = "rotation-secret-A-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const B = "rotation-secret-B-9a8b7c6d5e4f30211203f4e5d6c7b8a9";

/**
 * A bounded request loop, as a gateway sends: each request carries whatever secret `current()`
 * says the gateway sends at that moment. Counts refusals of requests carrying an accepted secret.
 */
function loadLoop(app: TestApp, current: () => string, accepted: () => string[]) {
  let running = true;
  const stats = { sent: 0, ok: 0, refusedWhileAccepted: 0 };
  const worker = async () => {
    while (running && stats.sent < 20000) {
      const secret = current();
      const wasAccepted = accepted().includes(secret);
      stats.sent++;
      const res = await app.get("/protected", { "x-shared-secret": secret });
      if (res.status === 200) stats.ok++;
      else if (wasAccepted && accepted().includes(secret)) stats.refusedWhileAccepted++;
    }
  };
  const workers = Promise.all([worker(), worker(), worker(), worker()]);
  return {
    stats,
    stop: async () => {
      running = false;
      await workers;
      return stats;
    },
  };
}

describe("rotating a secret held in a file, under load", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-rotation-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes the file in place (a rewrite) or, Kubernetes-style, swaps a `..data` symlink. */
  function writer(mode: "rewrite" | "symlink") {
    const file = path.join(dir, "shared-secret");
    let generation = 0;
    return {
      file,
      write(lines: string[]) {
        const text = lines.join("\n") + "\n";
        if (mode === "rewrite") {
          fs.writeFileSync(file, text);
          return;
        }
        // Kubernetes: ..<timestamp>/shared-secret, ..data -> ..<timestamp>, shared-secret -> ..data/shared-secret
        const version = path.join(dir, `..v${++generation}`);
        fs.mkdirSync(version);
        fs.writeFileSync(path.join(version, "shared-secret"), text);
        const tmpLink = path.join(dir, "..data_tmp");
        fs.symlinkSync(path.basename(version), tmpLink);
        fs.renameSync(tmpLink, path.join(dir, "..data"));
        if (!fs.existsSync(file)) fs.symlinkSync(path.join("..data", "shared-secret"), file);
      },
    };
  }

  it.each(["rewrite", "symlink"] as const)(
    "refuses no request carrying an accepted secret while A is replaced by B (%s)",
    async (mode) => {
      const files = writer(mode);
      files.write([A]);
      const app = await startApp({
        broker: { middlewares: [SharedSecretMiddleware({ secretFile: files.file, refreshInterval: 100 })] },
      });
      let accepted = [A];
      let sending = A;
      const loop = loadLoop(
        app,
        () => sending,
        () => accepted,
      );
      try {
        await sleep(200);
        // 1. The origin accepts the new secret as well.
        files.write([`${A} name=old`, `${B} name=new`]);
        await until(async () => (await app.get("/protected", { "x-shared-secret": B })).status === 200);
        accepted = [A, B];
        await sleep(200);
        // 2. The gateway switches to the new secret.
        sending = B;
        await sleep(200);
        // 3. The old secret is retired.
        accepted = [B];
        files.write([B]);
        await until(async () => (await app.get("/protected", { "x-shared-secret": A })).status === 401);
        await sleep(200);
      } finally {
        const stats = await loop.stop();
        await app.stop();
        console.log(
          `rotation (${mode}): ${stats.sent} requests sent, ${stats.ok} granted, ${stats.refusedWhileAccepted} refused with an accepted secret`,
        );
        expect(stats.refusedWhileAccepted).toBe(0);
        expect(stats.sent).toBeGreaterThan(100);
      }
    },
  );

  it("answers 500 while the file is missing, empty or unreadable, logs each cause once, then recovers", async () => {
    const file = path.join(dir, "secret");
    fs.writeFileSync(file, `${A}\n`);
    const app = await startApp({
      broker: { middlewares: [SharedSecretMiddleware({ secretFile: file, refreshInterval: 100 })] },
    });
    const status = async () => (await app.get("/protected", { "x-shared-secret": A })).status;
    try {
      expect(await status()).toBe(200);

      fs.rmSync(file);
      await until(async () => (await status()) === 500);
      const res = await app.get("/protected", { "x-shared-secret": A });
      expect(res.body).toMatchObject({ message: "Server configuration error", code: 500 });
      await sleep(300); // several refreshes and requests: still one line for this cause
      for (let i = 0; i < 5; i++) await status();

      fs.writeFileSync(file, `${A}\n`);
      await until(async () => (await status()) === 200);

      fs.writeFileSync(file, "\n  \n# only a comment\n");
      await until(async () => (await status()) === 500);
      fs.writeFileSync(file, `${A}\n`);
      await until(async () => (await status()) === 200);

      fs.rmSync(file);
      fs.mkdirSync(file); // a directory where the file should be: not readable as a file
      await until(async () => (await status()) === 500);
      fs.rmdirSync(file);
      fs.writeFileSync(file, `${A}\n`);
      await until(async () => (await status()) === 200);
    } finally {
      await app.stop();
    }
    const errors = app.logger.lines.filter((l) => l.startsWith("error") && l.includes("Shared secret"));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/cannot read the secret file .* \(error ENOENT\)/);
    expect(errors[1]).toMatch(/holds no secret/);
    expect(errors[2]).toMatch(/cannot read the secret file .* \(error EISDIR\)/);
    expect(app.logger.lines.filter((l) => l.includes("in force again"))).toHaveLength(3);
    expect(app.logger.lines.join("\n")).not.toContain(A);
  });
});

describe("rotating with SHARED_SECRET and SHARED_SECRET_PREVIOUS", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("accepts both, and says which one matched in the metrics", async () => {
    process.env.SHARED_SECRET = B;
    process.env.SHARED_SECRET_PREVIOUS = A;
    const app = await startApp({
      broker: { metrics: { enabled: true }, middlewares: [SharedSecretMiddleware()] },
    });
    try {
      expect((await app.get("/protected", { "x-shared-secret": A })).status).toBe(200);
      expect((await app.get("/protected", { "x-shared-secret": B })).status).toBe(200);
      expect((await app.get("/protected", { "x-shared-secret": B })).status).toBe(200);
      const values = app.broker.metrics.getMetric("shared_secret.checks.total")?.snapshot() as {
        labels: Record<string, string>;
        value: number;
      }[];
      const atAction = values.filter((v) => v.labels.action === "protected.access");
      expect(atAction.map((v) => [v.labels.secret, v.value]).sort()).toEqual([
        ["current", 2],
        ["previous", 1],
      ]);
    } finally {
      await app.stop();
    }
  });
});

describe("secrets with an expiry", () => {
  it("refuses a secret from its notAfter on, with Invalid secret, and logs the expiry once", async () => {
    const app = await startApp({
      broker: {
        middlewares: [
          SharedSecretMiddleware({
            secret: [
              { value: B, name: "new" },
              { value: A, name: "old", notAfter: new Date(Date.now() + 400) },
            ],
          }),
        ],
      },
    });
    try {
      expect((await app.get("/protected", { "x-shared-secret": A })).status).toBe(200);
      await until(async () => (await app.get("/protected", { "x-shared-secret": A })).status === 401);
      const res = await app.get("/protected", { "x-shared-secret": A });
      expect(res.body).toMatchObject({ message: "Invalid secret" });
      expect((await app.get("/protected", { "x-shared-secret": B })).status).toBe(200);
    } finally {
      await app.stop();
    }
    const lines = app.logger.lines.filter((l) => l.includes("expired"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn .*secret 'old' expired at \d{4}-/);
  });
});

describe("secrets from a provider function", () => {
  it("picks up a new secret on refresh, fails closed while the provider throws or hangs, and recovers", async () => {
    let mode: "A" | "B" | "throw" | "hang" = "A";
    let calls = 0;
    const provider = () => {
      calls++;
      if (mode === "throw") throw new Error(`vault down, token ${A}`);
      if (mode === "hang") return new Promise<string>(() => undefined);
      return Promise.resolve(mode === "A" ? A : [{ value: B, name: "vault-b" }]);
    };
    const app = await startApp({
      broker: {
        middlewares: [
          SharedSecretMiddleware({ secret: provider, refreshInterval: 100, providerTimeout: 150 }),
        ],
      },
    });
    const status = async (secret: string) =>
      (await app.get("/protected", { "x-shared-secret": secret })).status;
    try {
      expect(await status(A)).toBe(200);
      const before = calls;
      for (let i = 0; i < 20; i++) await status(A);
      expect(calls - before).toBeLessThan(20); // cached, not called per request

      mode = "B";
      await until(async () => (await status(B)) === 200);
      expect(await status(A)).toBe(401);

      mode = "throw";
      await until(async () => (await status(B)) === 500);
      mode = "B";
      await until(async () => (await status(B)) === 200);

      mode = "hang";
      await until(async () => (await status(B)) === 500);
      mode = "B";
      await until(async () => (await status(B)) === 200);
    } finally {
      await app.stop();
    }
    const errors = app.logger.lines.filter((l) => l.startsWith("error") && l.includes("provider failed"));
    expect(errors.map((l) => l.replace(/^.*\(/, "("))).toEqual([
      "(the provider failed); every checked call is refused with 500 Server configuration error until it is fixed.",
      "(error ETIMEDOUT); every checked call is refused with 500 Server configuration error until it is fixed.",
    ]);
    expect(app.logger.lines.join("\n")).not.toContain(A);
  });
});

describe("start-up warnings", () => {
  it("warns about a short secret by its label, without printing it", async () => {
    const short = "short-secret-1234";
    const app = await startApp({ broker: { middlewares: [SharedSecretMiddleware({ secret: short })] } });
    await app.stop();
    const lines = app.logger.lines.filter((l) => l.includes("shorter than 32"));
    expect(lines).toEqual([expect.stringMatching(/^warn .*secret 'secret' is shorter than 32 characters/)]);
    expect(app.logger.lines.join("\n")).not.toContain(short);
  });
});
