/**
 * Gateway-signed tokens at the Socket.IO door (moleculer-io): the handshake's token verified before
 * the connection is accepted, the socket's calls admitted with the verified claims, the token kept
 * out of the action's meta.
 */
import type { ServiceBroker, ServiceSchema } from "moleculer";
import SocketIOService from "moleculer-io";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "socket.io-client";
import { SharedSecretMiddleware, SharedSecretSocketGateway } from "../../../index";
import { localBroker } from "../../helpers/broker";
import { CaptureLogger } from "../../helpers/capture-logger";
import { request } from "../../helpers/http";
import { openSocket } from "../../helpers/socket";
import {
  makeKey,
  signToken,
  startJwksServer,
  type GatewayKey,
  type JwksServer,
} from "../../helpers/jwks-server";
import { AUDIENCE } from "../../helpers/token-app";

const metas: string[] = [];
const hooks: string[] = [];
type HookRequest = IncomingMessage & { _query?: Record<string, string> };
type Engine = { use(fn: (req: HookRequest, res: unknown, next: () => void) => void): void };
const HANDSHAKE = "/socket.io/?EIO=4&transport=polling";
const vault: ServiceSchema = {
  name: "vault",
  actions: {
    read(ctx) {
      metas.push(JSON.stringify(ctx.meta));
      return { sub: (ctx.meta as { gatewayClaims?: { sub?: string } }).gatewayClaims?.sub };
    },
  },
};

const open = (port: number, headers: Record<string, string>, transports = ["websocket"]) =>
  openSocket(port, { headers, transports });

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
    const svc = broker.createService({
      name: "io",
      mixins: [SharedSecretSocketGateway(), SocketIOService] as ServiceSchema["mixins"],
      // moleculer-io attaches to `this.server`, listened on 127.0.0.1 once the broker has started.
      created(this: { server?: Server }) {
        this.server = createServer();
      },
      settings: { io: { namespaces: { "/": { events: { call: { whitelist: ["vault.*"] } } } } } },
    } as ServiceSchema) as unknown as { server: Server; io: { engine: Engine } };
    await broker.start();
    await new Promise<void>((resolve) => svc.server.listen(0, "127.0.0.1", resolve));
    port = (svc.server.address() as AddressInfo).port;
    // The user's engine.io hook: records each request's head as it sees it.
    svc.io.engine.use((req, _res, next) => {
      hooks.push(JSON.stringify({ headers: req.headers, raw: req.rawHeaders, query: req._query }));
      next();
    });
  });
  beforeEach(() => {
    hooks.length = 0;
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

  it.each([["Authorization"], ["authorization%5B%5D"], ["%20authorization"]])(
    "refuses a handshake whose query names the token's header (%s), even with a valid token",
    async (name) => {
      const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE });
      const answer = await request(port, `${HANDSHAKE}&${name}=Bearer%20${token}`, {
        authorization: `Bearer ${token}`,
      });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ code: 4, message: "Credentials go in headers, not in the URL" });
      expect(hooks).toEqual([]);
    },
  );

  it.each([["polling"], ["websocket"]])(
    "takes the token off every request of a %s session before an io.engine.use hook sees it",
    async (transport) => {
      const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "socket-user" });
      const socket = (await open(port, { authorization: `Bearer ${token}` }, [transport])) as Socket;
      expect(socket).not.toBeInstanceOf(Error);
      try {
        const answer = await new Promise((resolve) =>
          socket.emit("call", "vault.read", {}, (err: unknown, res: unknown) => resolve(err ?? res)),
        );
        expect(answer).toEqual({ sub: "socket-user" });
      } finally {
        socket.close();
      }
      expect(hooks.length).toBeGreaterThan(transport === "polling" ? 1 : 0);
      for (const hook of hooks) {
        expect(hook).not.toContain(token.split(".")[2]);
        expect(hook.toLowerCase()).not.toContain("authorization");
      }
    },
  );

  it("refuses a later request of a session that comes without the token", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE });
    const opened = await request(port, HANDSHAKE, { authorization: `Bearer ${token}` });
    const sid = (JSON.parse(opened.text.slice(1)) as { sid: string }).sid;
    const poll = `${HANDSHAKE}&sid=${sid}`;
    const missing = await request(port, poll, {}, "POST", { body: "40" });
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ code: 4, message: "No token provided" });
    const valid = await request(port, poll, { authorization: `Bearer ${token}` }, "POST", { body: "40" });
    expect(valid.status).toBe(200);
  });
});
