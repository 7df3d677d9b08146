import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway } from "../../../index";
import { portOf } from "../../../support/loopback";
import { request } from "../../helpers/http";
import {
  NO_SECRET,
  INVALID_SECRET,
  OK,
  Runs,
  SECRET,
  type Schema,
  startGateway,
  type Gateway,
} from "./support";

/*
 * Paths through moleculer-web that run user code before (or instead of) an action call: the door
 * must check them all, before any of that code runs.
 */

const runs = new Runs();
const FILE_CONTENT = "a static file, served by moleculer-web's assets";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain schemas
const backend: ServiceSchema<any>[] = [
  {
    name: "vault",
    actions: {
      report() {
        runs.hit("vault.report");
        return { report: "confidential" };
      },
    },
  },
  {
    name: "users",
    actions: {
      resolve() {
        runs.hit("users.resolve");
        return { id: 7 };
      },
    },
  },
  {
    name: "echo",
    actions: {
      body(ctx: Context) {
        runs.hit("echo.body");
        return ctx.params;
      },
    },
  },
];

function gatewaySchema(assetsFolder: string, mixins: unknown[]): Schema {
  return {
    name: "api",
    mixins: mixins as Schema[],
    settings: {
      assets: { folder: assetsFolder },
      routes: [
        {
          path: "/api",
          mappingPolicy: "restrict",
          autoAliases: false,
          aliases: {
            "GET /report"(this: Service, _req: IncomingMessage, res: ServerResponse) {
              runs.hit("alias function");
              return this.broker.call("vault.report").then((r) => res.end(JSON.stringify(r)));
            },
          },
        },
        {
          path: "/used",
          use: [
            (_req: IncomingMessage, res: ServerResponse) => {
              runs.hit("route use");
              res.end("from use");
            },
          ],
          mappingPolicy: "restrict",
          autoAliases: false,
          aliases: { "GET /anything": "vault.report" },
        },
        {
          path: "/json",
          bodyParsers: { json: true },
          mappingPolicy: "restrict",
          autoAliases: false,
          use: [
            (_req: IncomingMessage, _res: ServerResponse, next: () => void) => {
              runs.hit("json use");
              next();
            },
          ],
          onBeforeCall() {
            runs.hit("json onBeforeCall");
          },
          aliases: { "POST /echo": "echo.body" },
        },
        {
          path: "/hooks",
          authentication: true,
          mappingPolicy: "restrict",
          autoAliases: false,
          onBeforeCall(ctx: Context) {
            runs.hit("onBeforeCall");
            return ctx.call("users.resolve");
          },
          aliases: { "GET /report": "vault.report" },
        },
      ],
    },
    methods: {
      authenticate(ctx: Context) {
        runs.hit("authenticate");
        return ctx.call("users.resolve");
      },
    },
  };
}

let folder: string;
let app: Gateway;
let openAssetsApp: Gateway;

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "front-door-assets-"));
  fs.writeFileSync(path.join(folder, "file.txt"), FILE_CONTENT);
  app = await startGateway({
    gateway: gatewaySchema(folder, [SharedSecretGateway(), ApiGateway]),
    services: backend,
  });
  openAssetsApp = await startGateway({
    gateway: gatewaySchema(folder, [SharedSecretGateway({ openAssets: true }), ApiGateway]),
    services: backend,
  });
});
afterAll(async () => {
  await Promise.all([app?.stop(), openAssetsApp?.stop()]);
  fs.rmSync(folder, { recursive: true, force: true });
});
beforeEach(() => runs.reset());

describe("paths that run user code before any action call", () => {
  it.each([
    ["an alias function that calls a protected action", "/api/report", ["alias function", "vault.report"]],
    ["a route use middleware that answers itself", "/used/anything", ["route use", "vault.report"]],
    ["a static file of settings.assets (no route matched)", "/file.txt", []],
    [
      "a route whose onBeforeCall and authenticate call a protected action",
      "/hooks/report",
      ["authenticate", "onBeforeCall", "users.resolve", "vault.report"],
    ],
  ])("refuses %s with 401 when the secret is missing, before any of its code runs", async (_n, url, code) => {
    const res = await app.call(url);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
    expect(res.text).not.toContain(FILE_CONTENT);
    for (const name of [...code, "alias function", "route use", "authenticate", "onBeforeCall"]) {
      expect([name, runs.of(name)]).toEqual([name, 0]);
    }
  });

  it.each([
    ["an alias function that calls a protected action", "/api/report"],
    ["a route use middleware that answers itself", "/used/anything"],
    ["a static file of settings.assets (no route matched)", "/file.txt"],
  ])("refuses %s with 401 when the secret is wrong, before any of its code runs", async (_n, url) => {
    const res = await app.call(url, { "x-shared-secret": `${SECRET}x` });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID_SECRET);
    expect(runs.of("alias function") + runs.of("route use") + runs.of("vault.report")).toBe(0);
  });

  it("serves the alias function with the secret, its broker.call included", async () => {
    const res = await app.call("/api/report", OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ report: "confidential" });
    expect(runs.of("alias function")).toBe(1);
    expect(runs.of("vault.report")).toBe(1);
  });

  it("serves the route use middleware with the secret", async () => {
    const res = await app.call("/used/anything", OK);
    expect(res.status).toBe(200);
    expect(res.text).toBe("from use");
    expect(runs.of("route use")).toBe(1);
    expect(runs.of("vault.report")).toBe(0);
  });

  it("serves the static file with the secret", async () => {
    const res = await app.call("/file.txt", OK);
    expect(res.status).toBe(200);
    expect(res.text).toBe(FILE_CONTENT);
  });

  it("serves the static file without the secret when the gateway says openAssets: true", async () => {
    const res = await request(portOf(openAssetsApp.api), "/file.txt");
    expect(res.status).toBe(200);
    expect(res.text).toBe(FILE_CONTENT);
  });

  it("keeps the routes of an openAssets gateway locked", async () => {
    const res = await openAssetsApp.call("/api/report");
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
    expect(runs.of("alias function")).toBe(0);
  });

  it("serves onBeforeCall and authenticate with the secret, both of their calls carrying it", async () => {
    const res = await app.call("/hooks/report", OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ report: "confidential" });
    expect(runs.of("authenticate")).toBe(1);
    expect(runs.of("onBeforeCall")).toBe(1);
    expect(runs.of("users.resolve")).toBe(2);
    expect(runs.of("vault.report")).toBe(1);
  });
});

describe("a POST with a JSON body to a locked route", () => {
  const spies = ["json use", "json onBeforeCall", "echo.body"];
  /** POSTs `body` as JSON to the locked route `/json/echo`, with `headers` besides its content type. */
  const post = (body: string, headers: Record<string, string> = {}) =>
    request(app.port, "/json/echo", { "content-type": "application/json", ...headers }, "POST", { body });

  it("is refused with 401, not 400, before its invalid body is parsed", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual(NO_SECRET);
    for (const spy of spies) expect([spy, runs.of(spy)]).toEqual([spy, 0]);
  });

  it("gets its invalid body parsed (400) once the secret is there, proving the parser runs", async () => {
    const res = await post("{not json", OK);
    expect(res.status).toBe(400);
    expect(runs.of("echo.body")).toBe(0);
  });

  it("is served with the secret and a valid body", async () => {
    const res = await post(JSON.stringify({ a: 1 }), OK);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ a: 1 });
    expect(spies.map((spy) => runs.of(spy))).toEqual([1, 1, 1]);
  });
});

describe("a service that has a settings.routes array but is no gateway", () => {
  let plain: Gateway;
  beforeAll(async () => {
    plain = await startGateway({
      gateway: gatewaySchema(folder, [SharedSecretGateway(), ApiGateway]),
      services: [
        ...backend,
        {
          name: "router",
          settings: { routes: [{ path: "/", aliases: { "GET /report": "vault.report" } }] },
          actions: {
            relay(ctx: Context) {
              runs.hit("router.relay");
              return ctx.call("vault.report");
            },
          },
        },
      ],
    });
  });
  afterAll(() => plain?.stop());

  it("is not refused when its action calls a protected action for in-process code", async () => {
    await expect(plain.broker.call("router.relay")).resolves.toEqual({ report: "confidential" });
    expect(runs.of("router.relay")).toBe(1);
    expect(runs.of("vault.report")).toBe(1);
  });

  it("is told apart from the real gateway, whose in-process calls claiming to be it are refused", async () => {
    await expect(plain.broker.call("vault.report", {}, { caller: "api" })).rejects.toMatchObject({
      code: 401,
      type: "ERR_NO_SECRET",
    });
    await expect(plain.broker.call("vault.report", {}, { caller: "router" })).resolves.toEqual({
      report: "confidential",
    });
  });
});
