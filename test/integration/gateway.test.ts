import { SharedSecretMiddleware } from "../../index";
import { startApp, type TestApp } from "../helpers/app";
import { CONTRACT_SECRET as SECRET, itKeepsTheHttpContract } from "../helpers/contract";

describe("the api gateway with the shared-secret middleware", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET })] } });
  });
  afterAll(() => app.stop());

  itKeepsTheHttpContract(() => app.port);

  it("exposes nothing else: no ~node routes, no auto-aliases, no action names", async () => {
    for (const path of [
      "/~node/services",
      "/~node/options",
      "/api/~node/health",
      "/protected/access",
      "/protected.access",
      "/list-aliases",
    ]) {
      const res = await app.get(path, { "x-shared-secret": SECRET });
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  it("never echoes the presented value or the secret in a response", async () => {
    const values = [SECRET, "wrong-" + SECRET, SECRET.slice(1)];
    for (const value of values) {
      const res = await app.get("/protected", { "x-shared-secret": value });
      expect(res.text).not.toContain(SECRET.slice(1));
      expect(JSON.stringify(res.headers)).not.toContain(SECRET.slice(1));
    }
  });
});

describe("a gateway node with no secret configured", () => {
  let app: TestApp;
  beforeAll(async () => {
    const previous = process.env.SHARED_SECRET;
    delete process.env.SHARED_SECRET;
    try {
      app = await startApp({ broker: { middlewares: [SharedSecretMiddleware()] } });
    } finally {
      if (previous !== undefined) process.env.SHARED_SECRET = previous;
    }
  });
  afterAll(() => app.stop());

  it.each([
    ["with no header", {}],
    ["with some secret", { "x-shared-secret": SECRET }],
  ])("answers a checked call %s: 500 Server configuration error", async (_name, headers) => {
    const res = await app.get("/protected", headers);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      name: "SharedSecretConfigurationError",
      message: "Server configuration error",
      code: 500,
      type: "ERR_SECRET_NOT_CONFIGURED",
    });
  });

  it("still answers /health", async () => {
    expect((await app.get("/health")).status).toBe(200);
  });

  it("says so once at start-up, naming SHARED_SECRET", () => {
    const lines = app.logger.lines.filter((l) => l.includes("no secret configured"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error .*SHARED_SECRET/);
  });
});
