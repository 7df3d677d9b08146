import express from "express";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import ApiService from "../../services/api.service";
import HealthService from "../../services/health.service";
import ProtectedService from "../../services/protected.service";
import { sharedSecretHandler, SharedSecretMiddleware, type SharedSecretHandlerOptions } from "../../index";
import { CONTRACT_SECRET as SECRET, INVALID, itKeepsTheHttpContract } from "../helpers/contract";
import { createExpressSketchApp } from "../../bench/express-sketch";
import { listenOnLoopback, type Listening } from "../../support/loopback";
import { rawRequest, rawStatus, request } from "../helpers/http";
import { until } from "../helpers/wait";

/** An Express app listening on 127.0.0.1 and a free port. */
const listen = (app: express.Express): Promise<Listening> => listenOnLoopback(http.createServer(app));

/** The reference contract as an Express 5 app. */
function expressApp(options: SharedSecretHandlerOptions) {
  const guard = sharedSecretHandler({ logger: false, ...options });
  const app = express();
  app.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/protected", guard, (_req, res) => {
    res.json({ message: "Access granted" });
  });
  return { app, guard };
}

describe("an Express 5 app with sharedSecretHandler", () => {
  let server: Listening;
  let guard: ReturnType<typeof sharedSecretHandler>;
  beforeAll(async () => {
    const made = expressApp({ secret: SECRET });
    guard = made.guard;
    await guard.ready;
    server = await listen(made.app);
  });
  afterAll(async () => {
    guard.close();
    await server.close();
  });

  itKeepsTheHttpContract(() => server.port);
});

describe("inputs for which the Express sketch answers 500", () => {
  // One non-ASCII byte: same length in characters, longer in UTF-8 bytes, so the sketch's
  // timingSafeEqual throws and Express answers 500.
  const sameLengthNonAscii = Buffer.concat([Buffer.from(SECRET.slice(0, -1)), Buffer.from([0xe9])]);
  const raw = (value: Buffer) =>
    Buffer.concat([
      Buffer.from("GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-shared-secret: "),
      value,
      Buffer.from("\r\n\r\n"),
    ]);

  it("the sketch answers 500 to a value of the secret's length with a non-ASCII byte", async () => {
    // The sketch's app as the benchmark runs it (bench/express-sketch.js): it reads SHARED_SECRET per
    // request and logs the RangeError its timingSafeEqual throws.
    const saved = { env: process.env.SHARED_SECRET, error: console.error };
    process.env.SHARED_SECRET = SECRET;
    console.error = () => undefined;
    const server = await listenOnLoopback(http.createServer(createExpressSketchApp()));
    try {
      expect(rawStatus(await rawRequest(server.port, raw(sameLengthNonAscii)))).toBe(500);
    } finally {
      await server.close();
      console.error = saved.error;
      if (saved.env === undefined) delete process.env.SHARED_SECRET;
      else process.env.SHARED_SECRET = saved.env;
    }
  });

  it("sharedSecretHandler answers the same request 401 Invalid secret", async () => {
    const { app, guard } = expressApp({ secret: SECRET });
    const server = await listen(app);
    try {
      const answer = await rawRequest(server.port, raw(sameLengthNonAscii));
      expect(rawStatus(answer)).toBe(401);
      expect(answer).toContain(JSON.stringify(INVALID));
    } finally {
      guard.close();
      await server.close();
    }
  });
});

describe("sharedSecretHandler's secret sources", () => {
  it("follows a rotation in a secret file, and answers 500 while the file is missing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-express-"));
    const file = path.join(dir, "secret");
    const next = "next-secret-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    fs.writeFileSync(file, `${SECRET}\n`);
    const { app, guard } = expressApp({ secretFile: file, refreshInterval: 100 });
    const server = await listen(app);
    const status = async (secret: string) =>
      (await request(server.port, "/protected", { "x-shared-secret": secret })).status;
    try {
      expect(await status(SECRET)).toBe(200);
      fs.writeFileSync(file, `${SECRET}\n${next}\n`);
      await until(async () => (await status(next)) === 200);
      expect(await status(SECRET)).toBe(200);
      fs.rmSync(file);
      await until(async () => (await status(next)) === 500);
      const res = await request(server.port, "/protected", { "x-shared-secret": next });
      expect(res.body).toMatchObject({ message: "Server configuration error", code: 500 });
      fs.writeFileSync(file, `${next}\n`);
      await until(async () => (await status(next)) === 200);
      expect(await status(SECRET)).toBe(401);
    } finally {
      guard.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad options at creation, naming the option", () => {
    expect(() => sharedSecretHandler({ secret: "" })).toThrow(/"secret" option/);
    expect(() => sharedSecretHandler({ headerName: "bad header" })).toThrow(/"headerName" option/);
  });
});

describe("moleculer-web mounted in an Express app, protected by the broker middleware", () => {
  let broker: ServiceBroker;
  let server: Listening;
  beforeAll(async () => {
    broker = new ServiceBroker({
      logger: false,
      transporter: null,
      middlewares: [SharedSecretMiddleware({ secret: SECRET })],
    });
    broker.createService(ProtectedService);
    broker.createService(HealthService);
    const api = broker.createService({
      name: "api",
      mixins: [ApiService],
      settings: {
        server: false,
        // In Express mode moleculer-web hands errors to next(err); render them as it does standalone.
        onError(
          _req: unknown,
          res: express.Response,
          err: { name: string; message: string; code: number; type: string },
        ) {
          const code = Number.isInteger(err.code) && err.code >= 400 && err.code < 600 ? err.code : 500;
          res.status(code).json({ name: err.name, message: err.message, code: err.code, type: err.type });
        },
      },
    } as ServiceSchema);
    await broker.start();
    const app = express();
    app.use("/", (api as unknown as { express(): express.RequestHandler }).express());
    server = await listen(app);
  });
  afterAll(async () => {
    await server.close();
    await broker.stop();
  });

  itKeepsTheHttpContract(() => server.port);
});
