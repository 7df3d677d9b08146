import { ServiceBroker, type ServiceSchema } from "moleculer";
import SocketIOService from "moleculer-io";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "socket.io-client";
import { SharedSecretMiddleware, SharedSecretSocketGateway } from "../../index";
import { localBroker } from "../helpers/broker";
import { CaptureLogger } from "../helpers/capture-logger";
import { request } from "../helpers/http";
import { callAction, openSocket } from "../helpers/socket";

const SECRET = "socket-secret-5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";
const runs: Record<string, number> = {};
const seen: string[] = [];

function count(name: string): void {
  runs[name] = (runs[name] ?? 0) + 1;
}

const vault: ServiceSchema = {
  name: "vault",
  actions: {
    read(ctx) {
      count("vault.read");
      seen.push(JSON.stringify(ctx.meta));
      return { message: "Access granted" };
    },
  },
};

// moleculer-io's own typings are written for moleculer 0.14 and do not fit 0.15's schema type.
function ioService(mixins: unknown[]): ServiceSchema {
  return {
    name: "io",
    mixins: mixins as ServiceSchema["mixins"],
    // moleculer-io attaches to `this.server`, listened on 127.0.0.1 once the broker has started.
    created(this: { server?: http.Server }) {
      this.server = http.createServer();
    },
    settings: {
      io: {
        namespaces: {
          "/": {
            // Runs for every accepted connection: records what the handshake still holds.
            middlewares: [
              function (
                socket: Socket & { handshake: { headers: object; query: object } },
                next: () => void,
              ) {
                count("io.middleware");
                seen.push(JSON.stringify(socket.handshake.headers), JSON.stringify(socket.handshake.query));
                next();
              },
            ],
            events: { call: { whitelist: ["vault.*"] } },
          },
        },
      },
    },
  } as ServiceSchema;
}

async function start(schema: ServiceSchema, logger = new CaptureLogger({ level: "info" })) {
  const broker = localBroker("socket", { logger, middlewares: [SharedSecretMiddleware({ secret: SECRET })] });
  broker.createService(vault);
  const svc = broker.createService(schema) as unknown as { server: http.Server };
  await broker.start();
  await new Promise<void>((resolve) => svc.server.listen(0, "127.0.0.1", resolve));
  return { broker, port: (svc.server.address() as AddressInfo).port };
}

const open = (port: number, headers: Record<string, string>, transports: string[]) =>
  openSocket(port, { headers, transports });
const callVault = (socket: Socket) => callAction(socket, "vault.read");

describe("a Socket.IO gateway (moleculer-io) with SharedSecretSocketGateway()", () => {
  let broker: ServiceBroker;
  let port: number;
  beforeAll(async () => {
    ({ broker, port } = await start(ioService([SharedSecretSocketGateway(), SocketIOService])));
  });
  afterAll(() => broker.stop());
  beforeEach(() => {
    for (const key of Object.keys(runs)) delete runs[key];
    seen.length = 0;
  });

  it.each([["polling"], ["websocket"]])(
    "refuses a %s connection without the secret before any middleware or handler runs",
    async (transport) => {
      const result = await open(port, {}, [transport]);
      expect(result).toBeInstanceOf(Error);
      expect(runs).toEqual({});
    },
  );

  it.each([["polling"], ["websocket"]])("refuses a %s connection with a wrong secret", async (transport) => {
    const result = await open(port, { "x-shared-secret": "wrong" }, [transport]);
    expect(result).toBeInstanceOf(Error);
    expect(runs).toEqual({});
  });

  it("answers a refused handshake 403 with the reason, over plain HTTP", async () => {
    const missing = await request(port, "/socket.io/?EIO=4&transport=polling");
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ code: 4, message: "No secret provided" });
    const wrong = await request(port, "/socket.io/?EIO=4&transport=polling", { "x-shared-secret": "nope" });
    expect(wrong.body).toEqual({ code: 4, message: "Invalid secret" });
  });

  it.each([["polling"], ["websocket"]])(
    "accepts a %s connection with the secret, and its calls reach a protected action",
    async (transport) => {
      const socket = await open(port, { "x-shared-secret": SECRET }, [transport]);
      expect(socket).not.toBeInstanceOf(Error);
      try {
        expect(await callVault(socket as Socket)).toEqual({ message: "Access granted" });
        expect(runs).toEqual({ "io.middleware": 1, "vault.read": 1 });
      } finally {
        (socket as Socket).close();
      }
    },
  );

  it("keeps the secret out of the handshake's headers, and out of the action's meta", async () => {
    const socket = (await open(port, { "X-Shared-Secret": SECRET }, ["websocket"])) as Socket;
    try {
      await callVault(socket);
    } finally {
      socket.close();
    }
    expect(seen).toHaveLength(3);
    for (const text of seen) expect(text).not.toContain(SECRET);
  });

  it("marks the service as a gateway, so that in-process calls claiming to be it are checked", async () => {
    await expect(broker.call("vault.read", {}, { caller: "io" })).rejects.toMatchObject({ code: 401 });
  });
});

describe("SharedSecretSocketGateway() options", () => {
  it.each([
    [
      "a typo of the only option",
      { secrt: SECRET },
      '"secrt" of SharedSecretSocketGateway; did you mean "secret"?',
    ],
    [
      "a typo beside a secret",
      { secret: SECRET, headername: "x-gw" },
      '"headername" of SharedSecretSocketGateway; did you mean "headerName"?',
    ],
    [
      "an engine.io option",
      { secret: SECRET, allowRequest: () => true },
      '"allowRequest" of SharedSecretSocketGateway; known options: secret, secretFile,',
    ],
  ])("refuses an unknown option, naming it: %s", (_, options, message) => {
    expect(() => SharedSecretSocketGateway(options as never)).toThrow(TypeError);
    expect(() => SharedSecretSocketGateway(options as never)).toThrow(
      `Shared secret: unknown option ${message}`,
    );
  });
});

describe("a moleculer-io gateway without SharedSecretSocketGateway()", () => {
  it("stops the broker from starting, naming the fix", async () => {
    const broker = new ServiceBroker({
      nodeID: `socket-bare-${process.pid}`,
      transporter: null,
      logger: false,
      middlewares: [SharedSecretMiddleware({ secret: SECRET })],
    });
    broker.createService(vault);
    broker.createService(ioService([SocketIOService]));
    await expect(broker.start()).rejects.toThrow(
      /service 'io' is a Socket.IO gateway \(moleculer-io\) whose connections nothing checks: add SharedSecretSocketGateway\(\)/,
    );
    await broker.stop();
  });

  it("refuses to be created on a service that is not moleculer-io", () => {
    const broker = new ServiceBroker({
      logger: false,
      middlewares: [SharedSecretMiddleware({ secret: SECRET })],
    });
    expect(() => broker.createService({ name: "plain", mixins: [SharedSecretSocketGateway()] })).toThrow(
      "is not a moleculer-io service",
    );
  });
});
