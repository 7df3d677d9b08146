/**
 * Where the secret goes across nodes: a gateway node, a health-only node without the middleware
 * (as the README advises), and a protected node, joined by Moleculer's TCP transporter on 127.0.0.1
 * (UDP discovery off, static peers). The secret travels only to actions that announce they check it,
 * and no context on the gateway's node holds it, even when a call times out.
 */
import { Errors, ServiceBroker, type Context, type ServiceSchema } from "moleculer";
import type { IncomingMessage } from "node:http";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway, SharedSecretMiddleware, gatewayExposure } from "../../../index";
import { portOf } from "../../../support/loopback";
import { SECRET } from "../../helpers/app";
import { CaptureLogger } from "../../helpers/capture-logger";
import { request } from "../../helpers/http";
import { freePort } from "../../helpers/process";

const OK = { "x-shared-secret": SECRET };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything the nodes saw: handler metas, the request's meta at onError, events, the logs. */
const seen: string[] = [];
let flakyCalls = 0;
const requestMetas: string[] = [];

function tcpBroker(
  nodeID: string,
  ports: Record<string, number>,
  extra: object,
  logger = false as unknown,
): ServiceBroker {
  const namespace = `carry-${process.pid}`;
  return new ServiceBroker({
    namespace,
    nodeID,
    logger: logger as never,
    transporter: {
      type: "TCP",
      options: {
        udpDiscovery: false,
        port: ports[nodeID],
        urls: Object.entries(ports)
          .map(([id, port]) => `127.0.0.1:${port}/${id}`)
          .join(","),
      },
    },
    ...extra,
  });
}

describe("a gateway node, a health-only node without the middleware and a protected node, over TCP", () => {
  let gateway: ServiceBroker;
  let healthNode: ServiceBroker;
  let protectedNode: ServiceBroker;
  let port = 0;
  const logger = new CaptureLogger({ level: "trace" });

  beforeAll(async () => {
    const ports = { gw: await freePort(), health: await freePort(), vault: await freePort() };
    gateway = tcpBroker(
      "gw",
      ports,
      {
        retryPolicy: { enabled: true, retries: 0, delay: 10 },
        middlewares: [SharedSecretMiddleware({ secret: SECRET })],
        logLevel: "trace",
      },
      logger,
    );
    healthNode = tcpBroker("health", ports, {});
    protectedNode = tcpBroker("vault", ports, { middlewares: [SharedSecretMiddleware({ secret: SECRET })] });
    healthNode.createService({
      name: "health",
      actions: {
        check(ctx: Context) {
          seen.push(JSON.stringify(ctx.meta));
          return { status: "ok" };
        },
      },
    });
    protectedNode.createService({
      name: "vault",
      actions: {
        read(ctx: Context) {
          seen.push(JSON.stringify(ctx.meta));
          return { message: "Access granted" };
        },
        flaky(ctx: Context) {
          seen.push(JSON.stringify(ctx.meta));
          flakyCalls++;
          if (flakyCalls % 2 === 1) throw new Errors.MoleculerRetryableError("try again", 503);
          return { attempt: flakyCalls };
        },
        async slow(ctx: Context) {
          await sleep(400);
          seen.push(JSON.stringify(ctx.meta));
          return { late: true };
        },
      },
    });
    const api = gateway.createService({
      name: "api",
      mixins: [SharedSecretGateway(), ApiGateway],
      settings: {
        port: 0,
        ip: "127.0.0.1",
        routes: [
          {
            path: "/",
            aliases: {
              "GET /health": { action: "health.check", sharedSecret: false },
              "GET /vault": "vault.read",
              "GET /slow": "vault.slow",
            },
            onAfterCall(
              this: unknown,
              ctx: Context,
              _route: unknown,
              _req: unknown,
              _res: unknown,
              data: unknown,
            ) {
              requestMetas.push(JSON.stringify(ctx.meta));
              return data;
            },
            callOptions: { timeout: 100, retries: 0 },
            onError(
              this: unknown,
              req: IncomingMessage & { $ctx?: Context },
              res: { statusCode: number; end(s: string): void },
              err: { code?: number },
            ) {
              requestMetas.push(JSON.stringify(req.$ctx?.meta));
              res.statusCode = typeof err.code === "number" ? err.code : 500;
              res.end(JSON.stringify({ code: err.code }));
            },
          },
        ],
      },
    } as ServiceSchema);
    await Promise.all([healthNode.start(), protectedNode.start(), gateway.start()]);
    const record = (ctx: Context, data: unknown) => {
      requestMetas.push(JSON.stringify(ctx.meta));
      return data;
    };
    api.addRoute({
      path: "/retry",
      aliases: { "GET /": "vault.flaky" },
      callOptions: { retries: 2 },
      onAfterCall: (ctx: Context, _route: unknown, _req: unknown, _res: unknown, data: unknown) =>
        record(ctx, data),
    });
    api.addRoute({
      path: "/fallback",
      aliases: { "GET /": "vault.slow" },
      callOptions: { timeout: 100, fallbackResponse: { fallback: true } },
      onAfterCall: (ctx: Context, _route: unknown, _req: unknown, _res: unknown, data: unknown) =>
        record(ctx, data),
    });
    await gateway.waitForServices(["health", "vault"], 20000);
    await protectedNode.waitForServices(["api"], 20000);
    port = portOf(api);
  }, 40000);

  afterAll(() => Promise.all([gateway?.stop(), healthNode?.stop(), protectedNode?.stop()]));

  it("serves /health with the header and never carries the secret to the node that does not check it", async () => {
    seen.length = 0;
    const res = await request(port, "/health", OK);
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toContain(SECRET);
    expect(res.text).not.toContain(SECRET);
  });

  it("carries the secret to the protected node, which checks it and drops it", async () => {
    seen.length = 0;
    expect((await request(port, "/vault", OK)).status).toBe(200);
    expect((await request(port, "/vault")).status).toBe(401);
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toContain(SECRET);
  });

  it("leaves the secret in no context of the gateway's node when the call times out there", async () => {
    requestMetas.length = 0;
    seen.length = 0;
    const res = await request(port, "/slow", OK);
    expect(res.status).toBe(504);
    await sleep(600); // the late answer arrives and is dropped
    expect(requestMetas).toHaveLength(1);
    expect(requestMetas[0]).not.toContain(SECRET);
    expect(seen.join("\n")).not.toContain(SECRET);
    expect(logger.lines.join("\n")).not.toContain(SECRET);
  });

  it("carries the secret again on a retry to the node that checks it, and leaves it in no context", async () => {
    requestMetas.length = 0;
    seen.length = 0;
    const res = await request(port, "/retry", OK);
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2); // the first attempt failed, the retry passed the check
    expect([...seen, ...requestMetas].join("\n")).not.toContain(SECRET);
    expect(requestMetas).toHaveLength(1);
  });

  it("leaves the secret in no context when a timed-out call answers with its fallback", async () => {
    requestMetas.length = 0;
    const res = await request(port, "/fallback", OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ fallback: true });
    await sleep(600);
    expect(requestMetas).toHaveLength(1);
    expect(requestMetas[0]).not.toContain(SECRET);
  });

  it("shows in the exposure report that the open /health is not refused by an action check", () => {
    const entry = gatewayExposure(gateway.getLocalService("api")).find((e) => e.request === "GET /health");
    expect(entry).toEqual({
      request: "GET /health",
      target: "action health.check",
      access: "open",
      reason: "alias sharedSecret: false",
    });
  });
});
