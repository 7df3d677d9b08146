/**
 * Gateway-signed tokens at the Socket.IO door (moleculer-io): the handshake's token verified before
 * the connection is accepted, the socket's calls admitted with the verified claims, the token kept
 * out of the action's meta.
 */
import type { ServiceBroker, ServiceSchema } from "moleculer";
import SocketIOService from "moleculer-io";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { SharedSecretMiddleware, SharedSecretSocketGateway } from "../../../index";
import { localBroker } from "../../helpers/broker";
import { CaptureLogger } from "../../helpers/capture-logger";
import { request } from "../../helpers/http";
import {
  makeKey,
  signToken,
  startJwksServer,
  type GatewayKey,
  type JwksServer,
} from "../../helpers/jwks-server";
import { AUDIENCE } from "../../helpers/token-app";

const metas: string[] = [];
const vault: ServiceSchema = {
  name: "vault",
  actions: {
    read(ctx) {
      metas.push(JSON.stringify(ctx.meta));
      return { sub: (ctx.meta as { gatewayClaims?: { sub?: string } }).gatewayClaims?.sub };
    },
  },
};

function open(port: number, headers: Record<string, string>): Promise<Socket | Error> {
  return new Promise((resolve) => {
    const socket = connect(`http://127.0.0.1:${port}`, {
      extraHeaders: headers,
      transports: ["websocket"],
      reconnection: false,
      timeout: 5000,
    });
    socket.on("connect", () => resolve(socket));
    socket.on("connect_error", (err) => {
      socket.close();
      resolve(err);
    });
  });
}

describe("a Socket.IO gateway that verifies the gateway's token", () => {
  let key: GatewayKey;
  let keys: JwksServer;
  let broker: ServiceBroker;
  let port: number;
  beforeAll(async () => {
    key = await makeKey("EdDSA", "k1");
    keys = await startJwksServer([key]);
    broker = localBroker("socket-token", {
      logger: new CaptureLogger({ level: "info" }),
      middlewares: [
        SharedSecretMiddleware({
          token: { jwksUrl: keys.jwksUrl, issuer: keys.issuer, audience: AUDIENCE, algorithms: ["EdDSA"] },
        }),
      ],
    });
    broker.createService(vault);
    const io = broker.createService({
      name: "io",
      mixins: [SharedSecretSocketGateway(), SocketIOService] as ServiceSchema["mixins"],
      settings: { port: 0, io: { namespaces: { "/": { events: { call: { whitelist: ["vault.*"] } } } } } },
    } as ServiceSchema) as unknown as { io: { httpServer: { address(): AddressInfo } } };
    await broker.start();
    port = io.io.httpServer.address().port;
  });
  afterAll(async () => {
    await broker.stop();
    await keys.close();
  });

  it("refuses a handshake without a token, 403 No token provided", async () => {
    const answer = await request(port, "/socket.io/?EIO=4&transport=polling");
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ code: 4, message: "No token provided" });
    expect(await open(port, {})).toBeInstanceOf(Error);
  });

  it("refuses an expired token", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, expiresIn: -60 });
    const answer = await request(port, "/socket.io/?EIO=4&transport=polling", {
      authorization: `Bearer ${token}`,
    });
    expect(answer.body).toEqual({ code: 4, message: "Invalid token" });
  });

  it("accepts a valid token; the socket's calls get the verified claims and never the token", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "socket-user" });
    const socket = await open(port, { authorization: `Bearer ${token}` });
    expect(socket).not.toBeInstanceOf(Error);
    try {
      const answer = await new Promise((resolve) =>
        (socket as Socket).emit("call", "vault.read", {}, (err: unknown, res: unknown) =>
          resolve(err ?? res),
        ),
      );
      expect(answer).toEqual({ sub: "socket-user" });
    } finally {
      (socket as Socket).close();
    }
    expect(metas.length).toBeGreaterThan(0);
    for (const meta of metas) expect(meta).not.toContain(token.split(".")[2]);
  });
});
