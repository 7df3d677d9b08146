/**
 * Gateway-signed tokens across two nodes joined by Moleculer's TCP transporter on 127.0.0.1 (static
 * peers, UDP discovery off): the gateway's door verifies the token, the action's node verifies it
 * again from the call's meta, and only the verified claims come back; the token itself stays on the
 * trip to that one node.
 */
import { ServiceBroker, type BrokerOptions } from "moleculer";
import { SharedSecretGateway, SharedSecretMiddleware } from "../../../index";
import ApiGateway from "moleculer-web";
import { portOf } from "../../../support/loopback";
import { CaptureLogger } from "../../helpers/capture-logger";
import { request } from "../../helpers/http";
import {
  makeKey,
  signToken,
  startJwksServer,
  type GatewayKey,
  type JwksServer,
} from "../../helpers/jwks-server";
import { freePort } from "../../helpers/process";
import { AUDIENCE } from "../../helpers/token-app";

describe("a token through a gateway node to an action on another node (TCP, 127.0.0.1)", () => {
  let key: GatewayKey;
  let keys: JwksServer;
  let gateway: ServiceBroker;
  let backend: ServiceBroker;
  let port = 0;
  const logger = new CaptureLogger({ level: "trace" });
  const seenByBackend: string[] = [];
  const seenByGateway: string[] = [];

  beforeAll(async () => {
    key = await makeKey("RS256", "r1");
    keys = await startJwksServer([key]);
    const [gwPort, bePort] = [await freePort(), await freePort()];
    const namespace = `token-remote-${process.pid}`;
    const urls = `127.0.0.1:${gwPort}/tok-gw,127.0.0.1:${bePort}/tok-be`;
    const node = (nodeID: string, tcpPort: number): BrokerOptions => ({
      namespace,
      nodeID,
      logger,
      logLevel: "trace",
      transporter: { type: "TCP", options: { udpDiscovery: false, urls, port: tcpPort, useHostname: false } },
      middlewares: [
        SharedSecretMiddleware({
          token: { jwksUrl: keys.jwksUrl, issuer: keys.issuer, audience: AUDIENCE, algorithms: ["RS256"] },
        }),
      ],
    });
    gateway = new ServiceBroker(node("tok-gw", gwPort));
    backend = new ServiceBroker(node("tok-be", bePort));
    backend.createService({
      name: "orders",
      actions: {
        list(ctx) {
          seenByBackend.push(JSON.stringify(ctx.meta));
          return { for: (ctx.meta as { gatewayClaims?: { sub?: string } }).gatewayClaims?.sub };
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
            aliases: { "GET /orders": "orders.list" },
            onAfterCall(
              ctx: { meta: unknown },
              _route: unknown,
              _req: unknown,
              _res: unknown,
              data: unknown,
            ) {
              seenByGateway.push(JSON.stringify(ctx.meta));
              return data;
            },
          },
        ],
      },
    });
    await Promise.all([backend.start(), gateway.start()]);
    await gateway.waitForServices(["orders"], 10000);
    port = portOf(api);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), backend.stop()]);
    await keys.close();
  });

  it("admits a valid token on the other node, which sees the verified claims and never the token", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "remote-user" });
    const answer = await request(port, "/orders", { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ for: "remote-user" });
    const signature = token.split(".")[2];
    expect(seenByBackend).toHaveLength(1);
    for (const text of [...seenByBackend, ...seenByGateway, ...logger.lines])
      expect(text).not.toContain(signature);
  });

  it("refuses a forged token at the gateway's door, before any call leaves the node", async () => {
    const before = seenByBackend.length;
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "remote-user" });
    const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(342)}`;
    const answer = await request(port, "/orders", { authorization: `Bearer ${forged}` });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ type: "ERR_INVALID_TOKEN" });
    expect(seenByBackend).toHaveLength(before);
  });

  it("checks, on the action's node, the token of a call that claims to come from the gateway", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "x" });
    await expect(
      gateway.call("orders.list", {}, { caller: "api", meta: { headers: { authorization: "Bearer nope" } } }),
    ).rejects.toMatchObject({ code: 401, type: "ERR_INVALID_TOKEN" });
    await expect(
      gateway.call(
        "orders.list",
        {},
        { caller: "api", meta: { headers: { authorization: `Bearer ${token}` } } },
      ),
    ).resolves.toEqual({ for: "x" });
  });
});
