/**
 * A zoo of gateway shapes users build (path parameters, REST and method-less aliases, an open route
 * with static files, mappingPolicy "all", autoAliases, CORS, overlapping routes, qsOptions, a versioned
 * gateway, metrics on), each startable with the door (and the middleware) or as plain moleculer-web,
 * so a test can ask moleculer-web itself what it would answer.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BrokerOptions, Context, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import {
  SharedSecretGateway,
  SharedSecretMiddleware,
  type SharedSecretGatewayOptions,
  type SharedSecretOptions,
} from "../../index";
import { startGatewayOnLoopback } from "../../support/loopback";
import { SECRET } from "./app";
import { localBroker } from "./broker";
import { CaptureLogger } from "./capture-logger";
import { request, type HttpResult } from "./http";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- gateway settings are typed by moleculer-web
type Schema = ServiceSchema<any>;

/** The header a gateway in front sends. */
export const WITH_SECRET = { "x-shared-secret": SECRET } as const;

/** Static files: a public-looking file and a directory with an index, in a folder of this run's. */
export const ASSETS = (() => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-zoo-"));
  fs.writeFileSync(path.join(folder, "secret.txt"), "locked file\n");
  fs.mkdirSync(path.join(folder, "dir"));
  fs.writeFileSync(path.join(folder, "dir", "index.html"), "<p>index</p>\n");
  return folder;
})();

/** Runs of the protected handlers (users.*, items.*), per broker node ID. */
const protectedRuns = new Map<string, number>();

function ran<T>(ctx: Context, value: T): T {
  const node = ctx.broker.nodeID;
  protectedRuns.set(node, (protectedRuns.get(node) ?? 0) + 1);
  return value;
}

/** An open health action, a protected user lookup and echo, and REST items. */
export const ZOO_SERVICES: Schema[] = [
  {
    name: "health",
    actions: { check: { sharedSecret: false, rest: "GET /", handler: () => ({ status: "ok" }) } },
  },
  {
    name: "users",
    actions: {
      get: { rest: "GET /:id", handler: (ctx: Context<{ id: string }>) => ran(ctx, { id: ctx.params.id }) },
      echo: (ctx: Context) => ran(ctx, { params: ctx.params, meta: ctx.meta }),
    },
  },
  {
    name: "items",
    actions: {
      list: (ctx: Context) => ran(ctx, ["a"]),
      get: (ctx: Context<{ id: string }>) => ran(ctx, { id: ctx.params.id }),
      create: (ctx: Context) => ran(ctx, { created: true }),
      update: (ctx: Context) => ran(ctx, { updated: true }),
      remove: (ctx: Context) => ran(ctx, { removed: true }),
    },
  },
];

const OPEN_HEALTH = { action: "health.check", sharedSecret: false };

/** One gateway shape: its moleculer-web settings, the door's options, and the broker's. */
export interface Shape {
  readonly name: string;
  readonly settings: Record<string, unknown>;
  readonly door?: SharedSecretGatewayOptions;
  /** The middleware's options over `{ secret }` (e.g. `token`). */
  readonly middleware?: SharedSecretOptions;
  readonly broker?: BrokerOptions;
  readonly schema?: Partial<Schema>;
  /** Paths a request without the secret may reach (with GET), and what they answer. */
  readonly open: readonly string[];
}

const paramsRoutes = (health: boolean) => [
  {
    path: "/",
    aliases: {
      ...(health ? { "GET /health": OPEN_HEALTH } : {}),
      "GET /users/:id": "users.get",
      "files/:name": "users.get",
      "REST /items": "items",
      "GET /echo": "users.echo",
      "POST /echo": "users.echo",
    },
  },
];

/** The shapes, by name. */
export const SHAPES: readonly Shape[] = [
  {
    name: "path parameters with an open health",
    settings: { routes: paramsRoutes(true) },
    open: ["/health"],
  },
  { name: "path parameters with nothing open", settings: { routes: paramsRoutes(false) }, open: [] },
  {
    name: "an open route and static files",
    settings: {
      assets: { folder: ASSETS },
      routes: [
        { path: "/status", sharedSecret: false, aliases: { "GET /": "health.check" } },
        { path: "/api", aliases: { "GET /users/:id": "users.get", "GET /echo": "users.echo" } },
      ],
    },
    open: ["/status"],
  },
  {
    name: "open static files (openAssets) and a locked route",
    settings: {
      assets: { folder: ASSETS },
      routes: [{ path: "/api", aliases: { "GET /users/:id": "users.get" } }],
    },
    door: { openAssets: true },
    open: ["/secret.txt", "/dir/", "/api/secret.txt"],
  },
  {
    name: "mappingPolicy all",
    settings: { routes: [{ path: "/api", mappingPolicy: "all", aliases: { "GET /health": OPEN_HEALTH } }] },
    open: ["/api/health"],
  },
  {
    name: "autoAliases",
    settings: {
      routes: [
        { path: "/pub", sharedSecret: false, autoAliases: true, whitelist: ["health.*"] },
        { path: "/api", autoAliases: true, whitelist: ["users.*", "health.*"] },
      ],
    },
    open: ["/pub/health"],
  },
  {
    name: "CORS",
    settings: {
      cors: { origin: "*", methods: ["GET", "POST"] },
      routes: [
        { path: "/", cors: { origin: "*" }, aliases: { "GET /health": OPEN_HEALTH, "x/:p": "users.get" } },
      ],
    },
    open: ["/health"],
  },
  {
    name: "two routes with overlapping prefixes",
    settings: {
      routes: [
        { path: "/api/open", sharedSecret: false, aliases: { "GET /ping": "health.check" } },
        { path: "/api", aliases: { "GET /open/other": "users.echo", "GET /users/:id": "users.get" } },
      ],
    },
    open: ["/api/open/ping"],
  },
  {
    name: "qsOptions (delimiter ; and allowDots)",
    settings: {
      qsOptions: { delimiter: ";", allowDots: true },
      routes: [{ path: "/", aliases: { "GET /echo": "users.echo", "GET /health": OPEN_HEALTH } }],
    },
    open: ["/health"],
  },
  {
    name: "a versioned gateway",
    schema: { version: 2 },
    settings: { routes: paramsRoutes(true) },
    open: ["/health"],
  },
  {
    name: "metrics on",
    settings: { routes: paramsRoutes(true) },
    broker: { metrics: { enabled: true, reporter: [] } },
    open: ["/health"],
  },
];

/** A started gateway of one shape. */
export interface ZooGateway {
  readonly port: number;
  /** How many times a protected handler (users.*, items.*) ran on this gateway's broker. */
  protectedRuns(): number;
  readonly logger: CaptureLogger;
  call(path: string, headers?: Record<string, string>, method?: string, body?: string): Promise<HttpResult>;
  stop(): Promise<void>;
}

/**
 * Starts `shape` on its own broker: with the door and `SharedSecretMiddleware({ secret })` when
 * `door` is true, as plain moleculer-web otherwise. autoAliases are waited for.
 */
export async function startShape(shape: Shape, door: boolean): Promise<ZooGateway> {
  const logger = new CaptureLogger({ level: "debug" });
  const broker = localBroker(door ? "zoo" : "zoo-plain", {
    logger,
    logLevel: "debug",
    middlewares: door ? [SharedSecretMiddleware(shape.middleware ?? { secret: SECRET })] : [],
    ...shape.broker,
  });
  const gateway: Schema = {
    name: "api",
    ...shape.schema,
    mixins: door ? [SharedSecretGateway(shape.door), ApiGateway] : [ApiGateway],
    settings: { ...shape.settings },
  };
  const { port, stop, api } = await startGatewayOnLoopback(broker, gateway, ZOO_SERVICES);
  const routes = (shape.settings.routes ?? []) as { autoAliases?: boolean }[];
  if (routes.some((route) => route.autoAliases)) {
    const aliases = () => ((api as unknown as { aliases: unknown[] }).aliases ?? []).length;
    for (let i = 0; i < 100 && aliases() < 3; i++) await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    protectedRuns: () => protectedRuns.get(broker.nodeID) ?? 0,
    logger,
    call: (p, headers = {}, method = "GET", body) =>
      request(port, p, headers, method, { body, timeoutMs: 10000 }),
    stop,
  };
}
