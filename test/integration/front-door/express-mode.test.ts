/**
 * moleculer-web mounted in an Express app (`server: false`, `app.use(api.express())`): what
 * moleculer-web serves is checked as in server mode; what it hands to Express's `next()` is the
 * host app's, and passes untouched, header included.
 */
import express from "express";
import http from "node:http";
import type { Context, Service, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway, SharedSecretMiddleware } from "../../../index";
import { listenOnLoopback, type Listening } from "../../../support/loopback";
import { SECRET } from "../../helpers/app";
import { localBroker } from "../../helpers/broker";
import { NO_SECRET } from "../../helpers/contract";
import { request } from "../../helpers/http";

const OK = { "x-shared-secret": SECRET };

describe("moleculer-web inside an Express app, with the door", () => {
  const broker = localBroker("express-mode", {
    logger: false,
    middlewares: [SharedSecretMiddleware({ secret: SECRET })],
  });
  let server: Listening;
  const hostSaw: { method: string; url: string; header: unknown; raw: boolean }[] = [];

  beforeAll(async () => {
    broker.createService({
      name: "health",
      actions: { check: { sharedSecret: false, handler: () => ({ status: "ok" }) } },
    });
    broker.createService({
      name: "users",
      actions: { get: (ctx: Context<{ id: string }>) => ({ id: ctx.params.id, headers: ctx.meta }) },
    });
    const api = broker.createService({
      name: "api",
      mixins: [SharedSecretGateway(), ApiGateway],
      settings: {
        server: false,
        routes: [
          {
            path: "/api",
            aliases: {
              "GET /health": { action: "health.check", sharedSecret: false },
              "GET /users/:id": "users.get",
            },
          },
        ],
      },
    } as ServiceSchema) as Service & { express(): express.RequestHandler };
    await broker.start();
    const app = express();
    app.use(api.express());
    // The host app's own routes, after moleculer-web: what it hands to next() lands here.
    app.get(/.*/, (req, res) => {
      hostSaw.push({
        method: req.method,
        url: req.originalUrl,
        header: req.headers["x-shared-secret"] ?? null,
        raw: req.rawHeaders.some((h) => h.toLowerCase() === "x-shared-secret"),
      });
      res.json({ host: true });
    });
    server = await listenOnLoopback(http.createServer(app));
  });
  afterAll(async () => {
    await server?.close();
    await broker.stop();
  });
  beforeEach(() => {
    hostSaw.length = 0;
  });

  it("passes the host app's own routes without the secret: no 401", async () => {
    const res = await request(server.port, "/own/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ host: true });
  });

  it("passes the host app's routes the header untouched, in headers and rawHeaders", async () => {
    const res = await request(server.port, "/own/thing", OK);
    expect(res.status).toBe(200);
    expect(hostSaw).toEqual([{ method: "GET", url: "/own/thing", header: SECRET, raw: true }]);
  });

  it("hands a HEAD request on as the HEAD it is", async () => {
    expect((await request(server.port, "/own/thing", OK, "HEAD")).status).toBe(200);
    expect(hostSaw).toEqual([{ method: "HEAD", url: "/own/thing", header: SECRET, raw: true }]);
  });

  it("hands a URL under the gateway's route that matches no alias to the host app, as moleculer-web does", async () => {
    expect((await request(server.port, "/api/nothing")).body).toEqual({ host: true });
    expect((await request(server.port, "/api/nothing", OK)).body).toEqual({ host: true });
  });

  it("checks what moleculer-web serves: 401 without the secret, 200 with it, the open health open", async () => {
    const refused = await request(server.port, "/api/users/1");
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(NO_SECRET);
    const served = await request(server.port, "/api/users/1", OK);
    expect(served.status).toBe(200);
    expect(served.text).not.toContain(SECRET);
    expect((await request(server.port, "/api/health")).body).toEqual({ status: "ok" });
    expect(hostSaw).toEqual([]);
  });
});
