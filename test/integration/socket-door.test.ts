/**
 * The Socket.IO door on every engine.io request: a credential's name in the URL query is refused
 * (as engine.io parses it, brackets, case and spaces aside); the header is gone from every request
 * of a session before `io.engine.use` hooks run, and each of those requests is checked; and the door
 * holds whatever options moleculer-io's `initSocketIO()` is given.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import SocketIOService from "moleculer-io";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketIOServer } from "socket.io";
import type { Socket } from "socket.io-client";
import { SharedSecretMiddleware, SharedSecretSocketGateway } from "../../index";
import { localBroker } from "../helpers/broker";
import { CaptureLogger } from "../helpers/capture-logger";
import { rawRequest, rawStatus, request } from "../helpers/http";
import { callAction, openSocket } from "../helpers/socket";

const SECRET = "socket-door-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const HANDSHAKE = "/socket.io/?EIO=4&transport=polling";
const IN_URL = { code: 4, message: "Credentials go in headers, not in the URL" };

/** What user code saw: each `io.engine.use` hook run and each namespace middleware run, as text. */
const hooks: { kind: string; text: string }[] = [];
const connections: string[] = [];

const vault: ServiceSchema = {
  name: "vault",
  actions: {
    read() {
      return { message: "Access granted" };
    },
  },
};

type IoService = {
  server: http.Server;
  io: { engine: EngineLike };
  initSocketIO(...args: unknown[]): void;
};
type EngineLike = { use(fn: (req: HookRequest, res: unknown, next: () => void) => void): void };
type HookRequest = http.IncomingMessage & { _query?: Record<string, string> };

/**
 * A moleculer-io service on its own HTTP server (`this.server`, which moleculer-io attaches to), to
 * be listened on 127.0.0.1 once the broker has started. moleculer-io's own typings are written for
 * moleculer 0.14 and do not fit 0.15's schema type.
 */
function ioService(extra: Partial<ServiceSchema> = {}): ServiceSchema {
  return {
    name: "io",
    mixins: [SharedSecretSocketGateway(), SocketIOService] as ServiceSchema["mixins"],
    created(this: { server?: http.Server }) {
      this.server = http.createServer();
    },
    settings: {
      io: {
        namespaces: {
          "/": {
            middlewares: [
              function (socket: { handshake: object }, next: () => void) {
                connections.push(JSON.stringify(socket.handshake));
                next();
              },
            ],
            events: { call: { whitelist: ["vault.*"] } },
          },
        },
      },
    },
    ...extra,
  } as ServiceSchema;
}

/** Records every engine.io request the user's `io.engine.use` hook sees, with its whole head. */
function recordHooks(engine: EngineLike): void {
  engine.use((req, _res, next) => {
    const sid = req._query?.sid;
    const kind = sid === undefined ? "handshake" : req.headers.upgrade === undefined ? "poll" : "upgrade";
    const head = { url: req.url, headers: req.headers, raw: req.rawHeaders, distinct: req.headersDistinct };
    hooks.push({ kind, text: JSON.stringify({ ...head, query: req._query }) });
    next();
  });
}

/** Listens on 127.0.0.1, on a free port: the port. */
async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A broker with the middleware, the vault and the service; `init` runs before it starts. */
async function start(schema: ServiceSchema, logger: CaptureLogger | false, init?: (svc: IoService) => void) {
  const broker = localBroker("socket-door", {
    logger,
    middlewares: [SharedSecretMiddleware({ secret: SECRET })],
  });
  broker.createService(vault);
  const svc = broker.createService(schema) as unknown as IoService;
  init?.(svc);
  await broker.start();
  recordHooks(svc.io.engine);
  return { broker, port: await listen(svc.server) };
}

const open = openSocket;
const callVault = (socket: Socket) => callAction(socket, "vault.read");

/** A polling session opened over plain HTTP with the secret: its `sid`. */
async function handshake(port: number): Promise<string> {
  const answer = await request(port, HANDSHAKE, { "x-shared-secret": SECRET });
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.text.slice(1)) as { sid: string }).sid;
}

/** A raw WebSocket upgrade of session `sid` (or a handshake, without one): the answer's status. */
async function upgrade(port: number, sid: string | undefined, headers: string[]): Promise<number> {
  const session = sid === undefined ? "" : `&sid=${sid}`;
  const head = [
    `GET /socket.io/?EIO=4&transport=websocket${session} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...headers,
    "",
    "",
  ].join("\r\n");
  return rawStatus(await rawRequest(port, head));
}

describe("a Socket.IO gateway whose client puts a credential's name in the URL", () => {
  let broker: ServiceBroker;
  let port: number;
  const logger = new CaptureLogger({ level: "debug" });
  beforeAll(async () => {
    ({ broker, port } = await start(ioService(), logger));
  });
  afterAll(() => broker.stop());
  beforeEach(() => {
    hooks.length = 0;
    connections.length = 0;
  });

  it.each([
    ["brackets trailing", "x-shared-secret[]"],
    ["brackets trailing, percent-encoded", "x-shared-secret%5B%5D"],
    ["an index in brackets", "x-shared-secret%5B0%5D"],
    ["brackets around, percent-encoded", "%5Bx-shared-secret%5D"],
    ["a trailing space, percent-encoded", "x-shared-secret%20"],
    ["a trailing space as a plus", "x-shared-secret+"],
    ["another letter case", "X-Shared-Secret"],
    ["a letter percent-encoded", "%58-shared-secret"],
  ])(
    "refuses a handshake whose query names the header with %s (%s), before any hook runs",
    async (_, key) => {
      const answer = await request(port, `${HANDSHAKE}&${key}=${SECRET}`, { "x-shared-secret": SECRET });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual(IN_URL);
      expect(hooks).toEqual([]);
      expect(connections).toEqual([]);
    },
  );

  it("refuses a handshake whose query names the header twice", async () => {
    const answer = await request(port, `${HANDSHAKE}&x-shared-secret=a&x-shared-secret=${SECRET}`, {
      "x-shared-secret": SECRET,
    });
    expect(answer.body).toEqual(IN_URL);
    expect(hooks).toEqual([]);
  });

  it("refuses a later request of a session whose query names the header", async () => {
    const sid = await handshake(port);
    hooks.length = 0;
    const url = `${HANDSHAKE}&sid=${sid}&x-shared-secret%5B%5D=${SECRET}`;
    const answer = await request(port, url, { "x-shared-secret": SECRET }, "POST", { body: "40" });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(IN_URL);
    expect(hooks).toEqual([]);
  });

  it.each([
    ["x-shared-secret[]", "polling"],
    ["x-shared-secret[]", "websocket"],
    ["x-shared-secret ", "polling"],
    ["x-shared-secret ", "websocket"],
    ["[x-shared-secret]", "polling"],
    ["[x-shared-secret]", "websocket"],
    ["X-Shared-Secret", "polling"],
    ["X-Shared-Secret", "websocket"],
  ])("refuses a Socket.IO client whose query holds %j, over %s", async (key, transport) => {
    const result = await open(port, {
      headers: { "x-shared-secret": SECRET },
      query: { [key]: SECRET },
      transports: [transport],
    });
    expect(result).toBeInstanceOf(Error);
    expect(hooks).toEqual([]);
    expect(connections).toEqual([]);
  });

  it("logs the refusal without the URL or the secret", async () => {
    await request(port, `${HANDSHAKE}&x-shared-secret[]=${SECRET}`, { "x-shared-secret": SECRET });
    const refusals = logger.lines.filter((line) => line.includes("credential in the URL query"));
    expect(refusals.length).toBeGreaterThan(0);
    for (const line of logger.lines) expect(line).not.toContain(SECRET);
  });
});

describe("every engine.io request of a Socket.IO session", () => {
  let broker: ServiceBroker;
  let port: number;
  beforeAll(async () => {
    ({ broker, port } = await start(ioService(), new CaptureLogger({ level: "info" })));
  });
  afterAll(() => broker.stop());
  beforeEach(() => {
    hooks.length = 0;
    connections.length = 0;
  });

  it("reaches an io.engine.use hook without the header: the handshake, later polls and the upgrade", async () => {
    const socket = (await open(port, {
      headers: { "x-shared-secret": SECRET },
      transports: ["polling", "websocket"],
    })) as Socket;
    expect(socket).not.toBeInstanceOf(Error);
    try {
      const engine = socket.io.engine;
      if (engine.transport.name !== "websocket")
        await new Promise((resolve) => engine.once("upgrade", resolve));
      expect(await callVault(socket)).toEqual({ message: "Access granted" });
    } finally {
      socket.close();
    }
    const kinds = new Set(hooks.map((hook) => hook.kind));
    expect(kinds).toEqual(new Set(["handshake", "poll", "upgrade"]));
    for (const { text } of hooks) {
      expect(text).not.toContain(SECRET);
      expect(text.toLowerCase()).not.toContain("x-shared-secret");
    }
  });

  it.each([["polling"], ["websocket"]])(
    "reaches an io.engine.use hook without the header over %s alone",
    async (transport) => {
      const socket = (await open(port, {
        headers: { "x-shared-secret": SECRET },
        transports: [transport],
      })) as Socket;
      expect(socket).not.toBeInstanceOf(Error);
      try {
        expect(await callVault(socket)).toEqual({ message: "Access granted" });
      } finally {
        socket.close();
      }
      expect(hooks.length).toBeGreaterThan(transport === "polling" ? 1 : 0);
      for (const { text } of hooks) expect(text.toLowerCase()).not.toContain("x-shared-secret");
    },
  );

  it("refuses a later polling request of a session that comes without the secret, or with a wrong one", async () => {
    const sid = await handshake(port);
    const poll = `${HANDSHAKE}&sid=${sid}`;
    const missing = await request(port, poll, { "content-type": "text/plain" }, "POST", { body: "40" });
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ code: 4, message: "No secret provided" });
    const wrong = await request(port, poll, { "x-shared-secret": "nope" }, "POST", { body: "40" });
    expect(wrong.body).toEqual({ code: 4, message: "Invalid secret" });
    expect(connections).toEqual([]);
    // The session itself goes on for requests that carry the secret.
    const right = await request(port, poll, { "x-shared-secret": SECRET }, "POST", { body: "40" });
    expect(right.status).toBe(200);
    expect(connections).toHaveLength(1);
  });

  it("refuses a WebSocket upgrade of a session that comes without the secret", async () => {
    const sid = await handshake(port);
    hooks.length = 0;
    expect(await upgrade(port, sid, [])).toBe(403);
    expect(hooks).toEqual([]);
  });

  it("refuses a WebSocket handshake without the secret 403, before any hook runs", async () => {
    expect(await upgrade(port, undefined, [])).toBe(403);
    expect(hooks).toEqual([]);
  });
});

describe("a user's own allowRequest behind the Socket.IO door", () => {
  it("runs for handshakes the door let in, and one that throws refuses the handshake instead of escaping", async () => {
    const asked: string[] = [];
    const schema = ioService();
    const io = (schema.settings as { io: Record<string, unknown> }).io;
    io.options = {
      allowRequest(req: HookRequest, callback: (err: string | null, ok: boolean) => void) {
        asked.push(JSON.stringify(req.headers));
        if (req.headers["x-explode"] !== undefined) throw new Error("user bug");
        callback(null, true);
      },
    };
    const { broker, port } = await start(schema, false);
    try {
      expect((await request(port, HANDSHAKE)).status).toBe(403);
      expect(asked).toEqual([]);
      expect((await request(port, HANDSHAKE, { "x-shared-secret": SECRET })).status).toBe(200);
      const exploded = await request(port, HANDSHAKE, { "x-shared-secret": SECRET, "x-explode": "1" });
      expect(exploded.status).toBe(403);
      expect(exploded.body).toEqual({ code: 4, message: "Server configuration error" });
      expect(asked).toHaveLength(2);
      for (const seen of asked) expect(seen).not.toContain(SECRET);
    } finally {
      await broker.stop();
    }
  });
});

describe("a Socket.IO gateway whose server moleculer-io's initSocketIO() made with explicit options", () => {
  it.each([
    [
      "initSocketIO(server, options)",
      (svc: IoService) => svc.initSocketIO(svc.server, { pingTimeout: 5000 }),
    ],
    [
      "initSocketIO(options)",
      (svc: IoService) => svc.initSocketIO({ pingTimeout: 5000, serveClient: false }),
    ],
  ])("still refuses connections without the secret, and serves those with it: %s", async (_, init) => {
    hooks.length = 0;
    const { broker, port } = await start(ioService(), false, init);
    try {
      const answer = await request(port, HANDSHAKE);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ code: 4, message: "No secret provided" });
      expect(hooks).toEqual([]);
      const socket = await open(port, { headers: { "x-shared-secret": SECRET }, transports: ["websocket"] });
      expect(socket).not.toBeInstanceOf(Error);
      try {
        expect(await callVault(socket as Socket)).toEqual({ message: "Access granted" });
      } finally {
        (socket as Socket).close();
      }
      for (const { text } of hooks) expect(text).not.toContain(SECRET);
    } finally {
      await broker.stop();
    }
  });

  it("refuses to start with a Socket.IO server made by hand, in one line", async () => {
    const broker = localBroker("socket-by-hand", {
      logger: false,
      middlewares: [SharedSecretMiddleware({ secret: SECRET })],
    });
    broker.createService(vault);
    let io: SocketIOServer | undefined;
    broker.createService(
      ioService({
        created() {
          io = new SocketIOServer(http.createServer(), { serveClient: false });
          (this as unknown as { io: SocketIOServer }).io = io;
        },
      }),
    );
    try {
      await expect(broker.start()).rejects.toThrow(
        "Shared secret: gateway 'io' runs a Socket.IO server that SharedSecretSocketGateway() does not guard: " +
          "create it with the service's initSocketIO() (moleculer-io), not by hand.",
      );
    } finally {
      await broker.stop();
      io?.close();
    }
  });
});
