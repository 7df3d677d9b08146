import type { Context, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretMiddleware } from "../../index";
import { portOf } from "../../support/loopback";
import { SECRET, startApp, type TestApp } from "../helpers/app";
import { request } from "../helpers/http";

const OK = { "x-shared-secret": SECRET };

/** Counts handler runs, so a test can tell "refused before my code" from "refused by my code". */
const runs: Record<string, number> = {};
const seenMeta: Record<string, unknown>[] = [];
function counted(name: string, fn: (ctx: Context) => unknown = () => ({ ok: name })) {
  return (ctx: Context) => {
    runs[name] = (runs[name] ?? 0) + 1;
    return fn(ctx);
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixes gateway and plain schemas
const services: ServiceSchema<any>[] = [
  {
    name: "orders",
    actions: {
      // A protected action that calls another protected action, as services do.
      list: { handler: counted("orders.list", (ctx) => ctx.call("stock.count")) },
      cached: { cache: true, handler: counted("orders.cached", () => ({ value: 42 })) },
      byId: { params: { id: { type: "number", convert: true } }, handler: counted("orders.byId") },
      ping: { sharedSecret: false, handler: counted("orders.ping") },
    },
  },
  {
    name: "stock",
    actions: {
      count: {
        handler: counted("stock.count", (ctx) => {
          seenMeta.push({ ...(ctx.meta as Record<string, unknown>) });
          return { count: 7 };
        }),
      },
    },
  },
  // A second gateway whose routes forget to forward headers; it sees everything, ~node included.
  {
    name: "bare",
    mixins: [ApiGateway],
    settings: {
      port: 0,
      ip: "127.0.0.1",
      routes: [{ path: "/", whitelist: ["**"], mappingPolicy: "all", autoAliases: false }],
    },
  },
];

const routes = [
  {
    path: "/",
    mappingPolicy: "restrict",
    aliases: {
      "GET /protected": "protected.access",
      "GET /health": { action: "health.check", sharedSecret: false },
      "GET /orders": "orders.list",
      "GET /open-orders": { action: "orders.list", sharedSecret: false },
      "GET /orders/cached": "orders.cached",
      "GET /orders/:id": "orders.byId",
      "GET /ping": { action: "orders.ping", sharedSecret: false },
      "GET /node-health": "$node.health",
    },
  },
];

describe("which calls must carry the secret", () => {
  let app: TestApp;
  let barePort: number;
  beforeAll(async () => {
    app = await startApp({
      broker: {
        cacher: "Memory",
        middlewares: [SharedSecretMiddleware({ secret: SECRET, allowGatewayWithoutDoor: true })],
      },
      services,
      apiSettings: { routes },
    });
    barePort = portOf(app.broker.getLocalService("bare"));
  });
  afterAll(() => app.stop());
  beforeEach(() => {
    for (const key of Object.keys(runs)) delete runs[key];
    seenMeta.length = 0;
  });

  it("lets a verified call make nested calls to other protected actions without the secret", async () => {
    const res = await app.get("/orders", OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ count: 7 });
    expect(runs).toEqual({ "orders.list": 1, "stock.count": 1 });
  });

  it("removes the secret from ctx.meta once verified, so nested calls never see it", async () => {
    await app.get("/orders", OK);
    expect(seenMeta).toHaveLength(1);
    expect(JSON.stringify(seenMeta[0])).not.toContain(SECRET);
  });

  it("refuses a gateway call before the handler runs", async () => {
    const res = await app.get("/orders");
    expect(res.status).toBe(401);
    expect(runs).toEqual({});
  });

  it("does not ask in-process code (broker.call) for the secret", async () => {
    await expect(app.broker.call("orders.list")).resolves.toEqual({ count: 7 });
    await expect(app.broker.call("protected.access")).resolves.toEqual({ message: "Access granted" });
  });

  it("checks in-process code that claims to be the gateway", async () => {
    await expect(app.broker.call("protected.access", {}, { caller: "api" })).rejects.toMatchObject({
      code: 401,
      type: "ERR_NO_SECRET",
    });
  });

  it("checks a caller it does not know (fail closed), answering a retryable 503 when it sent no secret", async () => {
    // In a cluster, an ordinary service on a node whose INFO has not arrived yet looks like this.
    await expect(app.broker.call("protected.access", {}, { caller: "ghost" })).rejects.toMatchObject({
      code: 503,
      type: "ERR_CALLER_UNKNOWN",
      message: "Caller not known yet",
      retryable: true,
    });
    const withWrong = { caller: "ghost", meta: { headers: { "x-shared-secret": "wrong" } } };
    await expect(app.broker.call("protected.access", {}, withWrong)).rejects.toMatchObject({ code: 401 });
    const withSecret = { caller: "ghost", meta: { headers: { "x-shared-secret": SECRET } } };
    await expect(app.broker.call("protected.access", {}, withSecret)).resolves.toEqual({
      message: "Access granted",
    });
  });

  it("never answers an unauthenticated call from the cache", async () => {
    expect((await app.get("/orders/cached", OK)).status).toBe(200);
    expect((await app.get("/orders/cached", OK)).status).toBe(200);
    expect(runs["orders.cached"]).toBe(1); // the cache does work for verified calls
    const res = await app.get("/orders/cached");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: "No secret provided" });
  });

  it("answers an unauthenticated call with 401, not with a 422 describing the parameters", async () => {
    const res = await app.get("/orders/not-a-number");
    expect(res.status).toBe(401);
    expect(res.text).not.toContain("number");
    const authenticated = await app.get("/orders/not-a-number", OK);
    expect(authenticated.status).toBe(422);
    expect((await app.get("/orders/12", OK)).status).toBe(200);
  });

  it("lets an action opt out with sharedSecret: false (behind an open alias)", async () => {
    expect((await app.get("/ping")).status).toBe(200);
    expect(runs["orders.ping"]).toBe(1);
  });

  it("still refuses a protected action behind an open alias: opening a door opens no action", async () => {
    const res = await app.get("/open-orders");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: "No secret provided" });
    expect(runs).toEqual({});
  });

  it("lets a whole service opt out with sharedSecret: false (the reference health service)", async () => {
    expect((await app.get("/health")).status).toBe(200);
  });

  it("never breaks $node for in-process callers", async () => {
    await expect(app.broker.call("$node.health")).resolves.toHaveProperty("cpu");
    await expect(app.broker.call("$node.services")).resolves.toEqual(expect.any(Array));
  });

  it("asks for the secret when a gateway route exposes a $node action", async () => {
    expect((await app.get("/node-health")).status).toBe(401);
    expect((await app.get("/node-health", OK)).status).toBe(200);
  });

  it("refuses calls through a route that forwards no headers, even when the client sends the secret", async () => {
    for (const path of ["/protected/access", "/orders/list", "/~node/services", "/api/listAliases"]) {
      const res = await request(barePort, path, OK);
      expect([path, res.status]).toEqual([path, 401]);
    }
    expect(runs).toEqual({});
  });

  it("starts the gateway that has no front door only because allowGatewayWithoutDoor says so, without a warning", () => {
    expect(app.logger.lines.filter((l) => l.includes("has no front door"))).toEqual([]);
  });

  it("keeps moleculer-web's own private api.rest action working on every request", async () => {
    // api.rest runs before routing; a guard that checked it would refuse even this request.
    expect((await app.get("/protected", OK)).status).toBe(200);
    expect((await app.get("/no-such-route", OK)).status).toBe(404);
  });
});

describe("opt-in mode", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET, mode: "opt-in" })] },
      withoutReferenceServices: true,
      services: [
        {
          name: "open",
          actions: {
            free: () => "free",
            locked: { sharedSecret: true, handler: () => "locked" },
          },
        },
        { name: "vault", sharedSecret: true, actions: { read: () => "vault" } },
      ],
      apiSettings: {
        routes: [
          {
            path: "/",
            aliases: {
              "GET /free": { action: "open.free", sharedSecret: false },
              "GET /locked": "open.locked",
              "GET /vault": "vault.read",
            },
          },
        ],
      },
    });
  });
  afterAll(() => app.stop());

  it("leaves actions that do not ask for protection open (behind an open alias)", async () => {
    expect((await app.get("/free")).status).toBe(200);
  });

  it.each(["/locked", "/vault"])("protects %s, which asks for it (action or service)", async (path) => {
    expect((await app.get(path)).status).toBe(401);
    expect((await app.get(path, OK)).status).toBe(200);
  });
});
