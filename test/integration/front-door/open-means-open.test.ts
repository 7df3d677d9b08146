/**
 * "Open" at the door and at the action check agree, or the start says why not: an alias opened at
 * the door whose action is protected is a start-up warning and shows in the report; a gateway with
 * its own `metadata.$category` is still a gateway to the action check; a `sharedSecret` that is not
 * a boolean is refused; the report reads the mapping policy moleculer-web applies.
 */
import type { ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { gatewayExposure, SharedSecretGateway } from "../../../index";
import { NO_SECRET } from "../../helpers/contract";
import { OK, startGateway, type Gateway } from "./support";

const health = (open: boolean): ServiceSchema => ({
  name: "health",
  actions: { check: { sharedSecret: open ? false : undefined, handler: () => ({ status: "ok" }) } },
});
const vault: ServiceSchema = { name: "vault", actions: { read: () => ({ message: "Access granted" }) } };

function api(settings: object, extra: Partial<ServiceSchema> = {}): ServiceSchema {
  return { name: "api", mixins: [SharedSecretGateway(), ApiGateway], settings, ...extra } as ServiceSchema;
}

describe("an alias opened at the door whose action is protected", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: api({
        routes: [{ path: "/", aliases: { "GET /health": { action: "health.check", sharedSecret: false } } }],
      }),
      services: [health(false)],
    });
  });
  afterAll(() => app?.stop());

  it("is a start-up warning that names the alias, the action and the fix", () => {
    const warnings = app.logger.lines.filter(
      (l) => l.startsWith("warn") && l.includes("'GET /health' is open"),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("its action 'health.check' checks the secret");
    expect(warnings[0]).toContain("sharedSecret: false too");
  });

  it("shows in the exposure report as open at the door, refused by the action check", () => {
    expect(gatewayExposure(app.api)).toContainEqual({
      request: "GET /health",
      target: "action health.check",
      access: "open",
      reason: "alias sharedSecret: false; open at the door, refused by the action check",
    });
  });

  it("is what a request without the secret meets: 401 from the action check", async () => {
    expect((await app.call("/health")).body).toEqual(NO_SECRET);
    expect((await app.call("/health", OK)).status).toBe(200);
  });
});

describe("an alias opened at the door whose action is open too", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: api({
        routes: [{ path: "/", aliases: { "GET /health": { action: "health.check", sharedSecret: false } } }],
      }),
      services: [health(true)],
    });
  });
  afterAll(() => app?.stop());

  it("starts without a warning and answers without the secret", async () => {
    expect(app.logger.lines.filter((l) => l.includes("is open at gateway"))).toEqual([]);
    expect((await app.call("/health")).status).toBe(200);
  });
});

describe("a gateway whose schema sets its own metadata.$category", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: api(
        { routes: [{ path: "/", aliases: { "GET /vault": { action: "vault.read", sharedSecret: false } } }] },
        { metadata: { $category: "edge" } },
      ),
      services: [vault],
    });
  });
  afterAll(() => app?.stop());

  it("is still a gateway to the action check: an alias opened at its door does not open a protected action", async () => {
    expect((await app.call("/vault")).body).toEqual(NO_SECRET);
    expect((await app.call("/vault", OK)).status).toBe(200);
  });
});

describe("a sharedSecret flag that is not a boolean", () => {
  it.each([
    [
      "an alias",
      { routes: [{ path: "/", aliases: { "GET /vault": { action: "vault.read", sharedSecret: "false" } } }] },
    ],
    ["a route", { routes: [{ path: "/", sharedSecret: 0, aliases: { "GET /vault": "vault.read" } }] }],
  ])("on %s refuses the start, naming it", async (_where, settings) => {
    await expect(startGateway({ gateway: api(settings), services: [vault] })).rejects.toThrow(
      /"sharedSecret" must be true or false on (alias 'GET \/vault' \("false"\)|route '\/' \(0\))/,
    );
  });
});

describe("the exposure report's mapping policy", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: api({
        routes: [
          { path: "/a", aliases: { "GET /vault": "vault.read" } },
          { path: "/b", mappingPolicy: "all" },
        ],
      }),
      services: [vault],
    });
  });
  afterAll(() => app?.stop());

  it("reads what moleculer-web applies: restrict for a route with aliases and no policy", () => {
    const report = gatewayExposure(app.api);
    expect(report.find((e) => e.request === "/a/* (route)")?.target).toBe("no action by URL");
    expect(report.find((e) => e.request === "/b/* (route)")?.target).toBe("any action by URL");
  });
});

describe("an unknown option of SharedSecretGateway", () => {
  it.each([
    [{ openAsset: true }, /unknown option "openAsset" of SharedSecretGateway; did you mean "openAssets"\?/],
    [
      { fowardOnly: true },
      /unknown option "fowardOnly" of SharedSecretGateway; did you mean "forwardOnly"\?/,
    ],
    [
      { headername: "x-a" },
      /unknown option "headername" of SharedSecretGateway; did you mean "headerName"\?/,
    ],
  ])("is refused at creation: %j", (options, message) => {
    expect(() => SharedSecretGateway(options as never)).toThrow(message);
  });
});
