import type { IncomingMessage, ServerResponse } from "node:http";
import type { Service } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway, SharedSecretMiddleware, gatewayExposure } from "../../../index";
import { startApp, type TestApp } from "../../helpers/app";
import { request } from "../../helpers/http";
import { NO_SECRET, OK, Runs, SECRET, startGateway, type Gateway } from "./support";

const runs = new Runs();
beforeEach(() => runs.reset());

describe("the exposure report of the reference app", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({ broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET })] } });
  });
  afterAll(() => app?.stop());

  const api = () => app.broker.getLocalService("api") as unknown as Service;

  it("shows GET /health open by its alias and GET /protected locked by default", () => {
    const report = gatewayExposure(api());
    expect(report).toContainEqual({
      request: "GET /health",
      target: "action health.check",
      access: "open",
      reason: "alias sharedSecret: false",
    });
    expect(report).toContainEqual({
      request: "GET /protected",
      target: "action protected.access",
      access: "locked",
      reason: "default",
    });
    expect(report.filter((e) => e.access === "open")).toHaveLength(1);
  });

  it("is logged at info once at start-up, as the table printed below", () => {
    const lines = app.logger.lines.filter((l) => l.includes("Shared secret: exposure of gateway 'api'"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^info /);
    expect(lines[0]).toContain("GET /health");
    expect(lines[0]).not.toContain(SECRET);
    console.log(lines[0].slice(lines[0].indexOf("Shared secret:")));
  });

  it("refuses a service that is not a door-guarded gateway, naming SharedSecretGateway", () => {
    expect(() => gatewayExposure(app.broker.getLocalService("health") as unknown as Service)).toThrow(
      /gatewayExposure\(\) takes a service that mixes in SharedSecretGateway\(\)/,
    );
  });
});

describe("the exposure report of a gateway with alias functions and route use middlewares", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: {
        name: "api",
        mixins: [SharedSecretGateway(), ApiGateway],
        settings: {
          routes: [
            {
              path: "/app",
              use: [(_req: IncomingMessage, _res: ServerResponse, next: () => void) => next()],
              mappingPolicy: "restrict",
              autoAliases: false,
              aliases: {
                "GET /fn"(_req: IncomingMessage, res: ServerResponse) {
                  res.end("fn");
                },
              },
            },
          ],
        },
      },
    });
  });
  afterAll(() => app?.stop());

  it("shows an alias function as target function and the route's use count in its row", () => {
    const report = gatewayExposure(app.api);
    expect(report).toContainEqual({
      request: "GET /app/fn",
      target: "function",
      access: "locked",
      reason: "default",
    });
    expect(report).toContainEqual({
      request: "/app/* (route)",
      target: "no action by URL; use (1)",
      access: "locked",
      reason: "default",
    });
    expect(report[report.length - 1]).toEqual({
      request: "anything else",
      target: "404",
      access: "locked",
      reason: "default",
    });
  });
});

describe("open routes and methods that never reach an action", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      services: [
        {
          name: "probe",
          actions: {
            protected() {
              runs.hit("probe.protected");
              return { ok: "protected" };
            },
            submit() {
              runs.hit("probe.submit");
              return { ok: "submitted" };
            },
          },
        },
        {
          name: "open",
          sharedSecret: false,
          actions: {
            ping() {
              runs.hit("open.ping");
              return { pong: true };
            },
          },
        },
      ],
      gateway: {
        name: "api",
        mixins: [SharedSecretGateway(), ApiGateway],
        settings: {
          routes: [
            {
              path: "/public",
              sharedSecret: false,
              mappingPolicy: "restrict",
              autoAliases: false,
              aliases: { "GET /ping": "open.ping" },
            },
            {
              path: "/cors",
              cors: { origin: "*", methods: ["GET", "POST"] },
              mappingPolicy: "restrict",
              autoAliases: false,
              aliases: { "GET /thing": "probe.protected" },
            },
            {
              path: "/",
              mappingPolicy: "restrict",
              autoAliases: false,
              aliases: {
                "GET /ping": { action: "open.ping", sharedSecret: false },
                "GET /protected": "probe.protected",
                "GET /open-protected": { action: "probe.protected", sharedSecret: false },
                "POST /submit": "probe.submit",
              },
            },
          ],
        },
      },
    });
  });
  afterAll(() => app?.stop());

  it.each([
    ["an alias marked sharedSecret: false", "/ping"],
    ["a route marked sharedSecret: false", "/public/ping"],
  ])("answers %s without the secret", async (_n, path) => {
    const res = await app.call(path);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pong: true });
    expect(runs.of("open.ping")).toBe(1);
  });

  it("still refuses a protected action behind an open alias: 401 by the action check, before it runs", async () => {
    const res = await app.call("/open-protected");
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
    expect(runs.of("probe.protected")).toBe(0);
    expect((await app.call("/open-protected", OK)).status).toBe(200);
  });

  it("still locks the other aliases of the route next to an open alias", async () => {
    expect((await app.call("/protected")).status).toBe(401);
    expect(runs.of("probe.protected")).toBe(0);
  });

  it("answers HEAD /ping (an open alias) like GET, with no body", async () => {
    const get = await app.call("/ping");
    const head = await app.call("/ping", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(head.headers["content-type"]).toBe(get.headers["content-type"]);
  });

  it("answers HEAD /health of the reference app with 200 and no body", async () => {
    const ref = await startApp({ broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET })] } });
    try {
      const head = await request(ref.port, "/health", {}, "HEAD");
      expect(head.status).toBe(200);
      expect(head.text).toBe("");
      expect((await request(ref.port, "/protected", {}, "HEAD")).status).toBe(401);
    } finally {
      await ref.stop();
    }
  });

  it("answers OPTIONS /protected (with the secret, no CORS) with 204 and Allow, without running the action", async () => {
    const res = await app.call("/protected", OK, "OPTIONS");
    expect(res.status).toBe(204);
    expect(String(res.headers.allow)).toContain("GET");
    expect(runs.of("probe.protected")).toBe(0);
  });

  it("refuses OPTIONS /protected without the secret", async () => {
    const res = await app.call("/protected", {}, "OPTIONS");
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
  });

  it("never runs the action of a POST alias for an OPTIONS request", async () => {
    const res = await app.call("/submit", OK, "OPTIONS");
    expect(res.status).toBe(204);
    expect(String(res.headers.allow)).toContain("POST");
    expect(runs.of("probe.submit")).toBe(0);
  });

  it("lets moleculer-web answer a CORS preflight (204 with access-control-allow-origin) without running the action", async () => {
    const res = await app.call(
      "/cors/thing",
      { ...OK, origin: "https://app.example", "access-control-request-method": "GET" },
      "OPTIONS",
    );
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(runs.of("probe.protected")).toBe(0);
  });
});
