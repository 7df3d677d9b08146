import type { IncomingMessage, ServerResponse } from "node:http";
import { ServiceBroker, type Service } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway, SharedSecretMiddleware } from "../../../index";
import ProtectedService from "../../../services/protected.service";
import HealthService from "../../../services/health.service";
import { CaptureLogger } from "../../helpers/capture-logger";
import {
  INVALID_SECRET,
  NOT_CONFIGURED,
  NO_SECRET,
  OK,
  Runs,
  SECRET,
  startGateway,
  type Gateway,
  type Schema,
} from "./support";

const runs = new Runs();
beforeEach(() => runs.reset());

const routes = [
  {
    path: "/",
    mappingPolicy: "restrict",
    autoAliases: false,
    aliases: {
      "GET /protected": "protected.access",
      "GET /health": { action: "health.check", sharedSecret: false },
      "GET /fn"(_req: IncomingMessage, res: ServerResponse) {
        runs.hit("alias function");
        res.end("from the alias function");
      },
    },
  },
];

function gateway(mixins: unknown[], extra: Partial<Schema> = {}): Schema {
  return { name: "api", mixins: mixins as Schema[], settings: { routes }, ...extra };
}

function quietBroker(middlewares = [SharedSecretMiddleware({ secret: SECRET })]): ServiceBroker {
  return new ServiceBroker({ transporter: null, logger: new CaptureLogger({ level: "trace" }), middlewares });
}

describe.each([
  ["[SharedSecretGateway(), ApiGateway]", () => [SharedSecretGateway(), ApiGateway]],
  ["[ApiGateway, SharedSecretGateway()]", () => [ApiGateway, SharedSecretGateway()]],
])("a gateway whose mixins are %s", (_order, mixins) => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({ gateway: gateway(mixins()), services: [ProtectedService] });
  });
  afterAll(() => app?.stop());

  it("refuses a request without the secret, before its alias function runs", async () => {
    for (const path of ["/protected", "/fn"]) {
      const res = await app.call(path);
      expect([path, res.status, res.body]).toEqual([path, 401, NO_SECRET]);
    }
    expect(runs.of("alias function")).toBe(0);
  });

  it("serves a request with the secret", async () => {
    expect((await app.call("/protected", OK)).body).toEqual({ message: "Access granted" });
    expect((await app.call("/fn", OK)).text).toBe("from the alias function");
  });
});

describe("a gateway that overrides httpHandler in its own methods", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: gateway([SharedSecretGateway(), ApiGateway], {
        methods: {
          httpHandler(this: Service, req: IncomingMessage, res: ServerResponse) {
            runs.hit("override");
            if (req.url === "/override") return res.end("override");
            return ApiGateway.methods?.httpHandler.call(this, req, res);
          },
        },
      }),
      services: [ProtectedService],
    });
  });
  afterAll(() => app?.stop());

  it("still goes through the door: 401 without the secret, and the override did not run", async () => {
    const res = await app.call("/override");
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
    expect(runs.of("override")).toBe(0);
  });

  it("runs the override once the secret is checked", async () => {
    expect((await app.call("/override", OK)).text).toBe("override");
    expect((await app.call("/protected", OK)).status).toBe(200);
    expect(runs.of("override")).toBe(2);
  });
});

describe("a gateway that cannot be wired safely", () => {
  let broker: ServiceBroker;
  afterEach(async () => {
    await broker?.stop().catch(() => undefined);
  });

  it.each([
    [
      "moleculer-web is not mixed in",
      () => gateway([SharedSecretGateway()]),
      () => quietBroker(),
      /gateway 'api' is not a moleculer-web service/,
    ],
    [
      "the door is mixed in twice",
      () => gateway([SharedSecretGateway(), SharedSecretGateway(), ApiGateway]),
      () => quietBroker(),
      /twice/,
    ],
    [
      "the broker has no SharedSecretMiddleware and the door no secret of its own",
      () => gateway([SharedSecretGateway(), ApiGateway]),
      () => quietBroker([]),
      /has no secret to check with: add SharedSecretMiddleware\(\)/,
    ],
  ])("refuses to be created when %s", (_case, schema, makeBroker, message) => {
    broker = makeBroker();
    expect(() => broker.createService(schema())).toThrow(message);
  });

  it("refuses to start when created() replaces the HTTP server's request listener", async () => {
    broker = quietBroker();
    broker.createService({
      ...gateway([SharedSecretGateway(), ApiGateway]),
      settings: { port: 0, ip: "127.0.0.1", routes },
      created(this: Service) {
        const server = (this as unknown as { server: import("node:http").Server }).server;
        server.removeAllListeners("request");
        server.on("request", (_req, res: ServerResponse) => res.end("bypass"));
      },
    });
    await expect(broker.start()).rejects.toThrow(
      /gateway 'api' has an HTTP server that does not call its httpHandler/,
    );
  });

  it("refuses a call to the private rest action that did not come through the door: 500 ERR_SECRET_NOT_CONFIGURED", async () => {
    broker = quietBroker();
    broker.createService(ProtectedService);
    const svc = broker.createService({
      ...gateway([SharedSecretGateway(), ApiGateway]),
      settings: { port: 0, ip: "127.0.0.1", routes },
    });
    await broker.start();
    const fakeReq = { url: "/protected", method: "GET", headers: { "x-shared-secret": SECRET } };
    const fakeRes = { setHeader() {}, end() {}, writeHead() {} };
    const rest = (svc as unknown as { actions: Record<string, (p: unknown) => Promise<unknown>> }).actions
      .rest;
    await expect(rest({ req: fakeReq, res: fakeRes })).rejects.toMatchObject({
      name: "SharedSecretConfigurationError",
      code: 500,
      type: "ERR_SECRET_NOT_CONFIGURED",
    });
    // and through the broker it is not reachable at all: moleculer-web's rest action is private
    await expect(broker.call("api.rest", { req: fakeReq, res: fakeRes })).rejects.toMatchObject({
      code: 404,
      type: "SERVICE_NOT_FOUND",
    });
  });
});

describe("a forward-only gateway (SharedSecretGateway({ forwardOnly: true }))", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: gateway([SharedSecretGateway({ forwardOnly: true }), ApiGateway]),
      services: [ProtectedService],
    });
  });
  afterAll(() => app?.stop());

  it("runs an alias function without the secret: its documented limit, the door checks nothing", async () => {
    const res = await app.call("/fn");
    expect(res.status).toBe(200);
    expect(res.text).toBe("from the alias function");
    expect(runs.of("alias function")).toBe(1);
  });

  it.each([
    ["without the secret", {}, NO_SECRET],
    ["with a wrong secret", { "x-shared-secret": `${SECRET}x` }, INVALID_SECRET],
  ])(
    "still has a protected action behind an alias refused %s by the action check",
    async (_n, headers, body) => {
      const res = await app.call("/protected", headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(body);
    },
  );

  it("serves the protected action with the right secret, carried to the action", async () => {
    const res = await app.call("/protected", OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: "Access granted" });
  });

  it("warns once at start-up that it is forward-only", () => {
    const lines = app.logger.lines.filter((l) => l.includes("forward-only"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn .*gateway 'api' is forward-only/);
  });
});

describe("a gateway whose door has a secret of its own, not the middleware's", () => {
  const DOOR_SECRET = `${SECRET}-door`;
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      gateway: gateway([SharedSecretGateway({ secret: DOOR_SECRET }), ApiGateway]),
      services: [ProtectedService],
    });
  });
  afterAll(() => app?.stop());

  it("lets the door's secret past the door, and the action check still compares it with its own", async () => {
    const res = await app.call("/protected", { "x-shared-secret": DOOR_SECRET });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID_SECRET);
  });

  it("refuses the middleware's secret at the door", async () => {
    const res = await app.call("/protected", OK);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID_SECRET);
  });
});

describe("a forward-only gateway node without a secret, whose actions run on other nodes", () => {
  let app: Gateway;
  beforeAll(async () => {
    app = await startGateway({
      broker: { middlewares: [SharedSecretMiddleware()] },
      gateway: gateway([SharedSecretGateway({ forwardOnly: true }), ApiGateway]),
    });
  });
  afterAll(() => app?.stop());

  it("logs no error about its missing secret: it checks nothing itself", () => {
    expect(app.logger.lines.filter((l) => l.startsWith("error"))).toEqual([]);
    expect(app.logger.lines.some((l) => l.startsWith("info") && l.includes("no secret configured"))).toBe(
      true,
    );
  });
});

describe("a gateway node with no secret configured", () => {
  let app: Gateway;
  beforeAll(async () => {
    const saved = { secret: process.env.SHARED_SECRET, file: process.env.SHARED_SECRET_FILE };
    delete process.env.SHARED_SECRET;
    delete process.env.SHARED_SECRET_FILE;
    try {
      app = await startGateway({
        broker: { middlewares: [SharedSecretMiddleware({})] },
        gateway: gateway([SharedSecretGateway(), ApiGateway]),
        services: [ProtectedService, HealthService],
      });
    } finally {
      if (saved.secret !== undefined) process.env.SHARED_SECRET = saved.secret;
      if (saved.file !== undefined) process.env.SHARED_SECRET_FILE = saved.file;
    }
  });
  afterAll(() => app?.stop());

  it.each([
    ["a locked alias, with no header", "/protected", {}],
    ["a locked alias, with some secret", "/protected", OK],
    ["a locked alias function", "/fn", OK],
  ])("answers %s with 500 at the door", async (_n, path, headers) => {
    const res = await app.call(path, headers);
    expect(res.status).toBe(500);
    expect(res.body).toEqual(NOT_CONFIGURED);
    expect(runs.of("alias function")).toBe(0);
  });

  it("still serves the open /health", async () => {
    const res = await app.call("/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});
