/**
 * The door itself, per HTTP request. It checks the credential before moleculer-web reads anything
 * and takes it out of the request; then moleculer-web decides where the request goes, and at each
 * point where it has decided (its `routeHandler`, for a route and maybe an alias; its not-routed
 * path, for static files and the 404) a request without a valid credential is refused unless
 * `open.ts` says that target is open. The door keeps no model of moleculer-web's routing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Service } from "moleculer";
import {
  admitted,
  claimsOf,
  credentialOf,
  decide,
  describe,
  outcomeOf,
  type Decision,
} from "../check/credentials";
import type { Refusal } from "../check/verdict";
import { perBroker } from "../check/per-broker";
import { createTelemetry, type Telemetry } from "../check/telemetry";
import { SharedSecretConfigurationError } from "../errors";
import type { ResolvedOptions } from "../options";
import type { GatewayClaims } from "../token/verifier";
import { writeRefusal, writeUrlRefusal } from "./answer";
import { presentedMark, type HiddenSlot, type Mark, type MarkedRequest } from "./forward";
import {
  aliasAccess,
  anythingOpen,
  routeAccess,
  type Access,
  type GatewayAlias,
  type GatewayInternals,
  type GatewayRoute,
} from "./open";
import { cleanQuery, holdsLookAlike } from "./query";
import { removeHeader, restoreRequest, singleHeader, snapshotRequest, type RequestSnapshot } from "./request";

/** moleculer-web's `httpHandler` (or whatever the service ends up with). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, next?: unknown) => unknown;

/** moleculer-web's `routeHandler(ctx, route, req, res, foundAlias)`: its decision, made. */
export type RouteHandler = (
  ctx: Context,
  route: GatewayRoute,
  req: IncomingMessage,
  res: ServerResponse,
  found?: { alias: GatewayAlias } | null,
) => unknown;

/** moleculer-web's `corsHandler(settings, req, res)`: `settings` is the service's on the not-routed path. */
export type CorsHandler = (settings: unknown, req: IncomingMessage, res: ServerResponse) => unknown;

/** moleculer-web's `send404(req, res)`: the 404, or Express's `next()` in middleware mode. */
export type Send404 = (req: IncomingMessage, res: ServerResponse) => unknown;

/** moleculer-web's `parseQueryString(req)`: the gateway's own query parser, `qsOptions` and all. */
export type ParseQueryString = (req: { url: string }) => { url: string; query: unknown };

/** moleculer-web's `rest` action handler, which every request runs. */
export type RestHandler = (this: Service, ctx: Context) => unknown;

/** A moleculer-web service as the door sees it. */
export type GatewayService = Service &
  GatewayInternals & {
    server?: { listeners(event: string): unknown[] };
    httpHandler?: unknown;
    serve?: unknown;
    parseQueryString: ParseQueryString;
  };

/** The gateway's parse of a request's URL, made by the door and handed to moleculer-web's own call. */
interface ParsedUrl {
  readonly url: string;
  readonly result: ReturnType<ParseQueryString>;
}

/** Marks the door's own `httpHandler`, so a second door (the mixin twice) is found. */
export const DOOR = Symbol.for("moleculer-shared-secret.door.v1");

/** What the door decided about one request, for moleculer-web's decision points after it. */
export interface RequestState extends MarkedRequest {
  /** A valid credential (or a forward-only door): moleculer-web decides alone. */
  readonly admitted: boolean;
  /** The decision on the credential presented (`0` from a forward-only door, which decides nothing). */
  readonly decision: Decision;
  /**
   * The credential headers presented, which the calls made from the request's root context present
   * to the guard (checked there again).
   */
  readonly mark: Mark;
  readonly claims: GatewayClaims | undefined;
  /** Set when a request without a valid credential was let through to an open target. */
  open: boolean;
  /** Middleware mode: the request as it came, put back when moleculer-web hands it to `next()`. */
  readonly snapshot: RequestSnapshot | undefined;
  readonly cleanedUrl: unknown;
  readonly cleanedOriginal: unknown;
  /** The door's parse of the URL, until moleculer-web asks its parser for it (once, same URL). */
  parsed: ParsedUrl | undefined;
}

/** What one door instance is configured with, once, by the gateway mixin. */
export interface DoorSettings {
  readonly resolved: ResolvedOptions;
  readonly forwardOnly: boolean;
  readonly openAssets: boolean;
  /** The door's decision on each request it let on to moleculer-web: its broker's slot (`requestsOf`). */
  readonly requests: HiddenSlot<RequestState>;
}

/** The door and the wrappers of moleculer-web's decision points, made by {@link createHttpDoor}. */
export interface HttpDoor {
  /**
   * The door in front of `inner`; `web` is moleculer-web's own `httpHandler` when the service
   * replaced it with one of its own: requests without a valid credential go to moleculer-web's.
   */
  wrap(inner: HttpHandler, web?: HttpHandler): HttpHandler;
  rest(inner: RestHandler, claimsKey: string | undefined): RestHandler;
  routeHandler(inner: RouteHandler): RouteHandler;
  corsHandler(inner: CorsHandler): CorsHandler;
  send404(inner: Send404): Send404;
  parseQueryString(inner: ParseQueryString): ParseQueryString;
}

const LOCKED: Access = { open: false, reason: "default" };
/** What a request that will not be put back keeps of its URLs: nothing (one object for all of them). */
const NOTHING_TO_RESTORE = Object.freeze({ snapshot: undefined, url: undefined, original: undefined });
const ROUTED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

function isPreflight(req: IncomingMessage): boolean {
  return req.method === "OPTIONS" && Boolean(req.headers["access-control-request-method"]);
}

/** The methods moleculer-web routes `path` for, for an `Allow` header. Never throws. */
function allowedMethods(gateway: GatewayInternals, path: unknown): string {
  const methods = new Set<string>();
  for (const method of ROUTED_METHODS) {
    try {
      if (typeof path === "string" && gateway.resolveAlias(path, method)) methods.add(method);
    } catch {
      // a path parameter that does not decode for this method's alias: not allowed
    }
  }
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].join(", ");
}

/**
 * A door maker: `wrap(inner)` returns the `httpHandler` that checks each request, then calls `inner`;
 * the other wrappers go around moleculer-web's own decision points. The door keeps its own
 * telemetry per broker (its rejection-log window).
 */
export function createHttpDoor({ resolved, forwardOnly, openAssets, requests }: DoorSettings): HttpDoor {
  const name = resolved.headerName;
  const tokenHeader = resolved.tokens?.options.headerName ?? "";
  const credentialNames = tokenHeader === "" ? [name] : [name, tokenHeader];
  const { rejectionLogLimit, rejectionLogInterval } = resolved;
  /** Per gateway: whether any alias or static file is open, for the alias table it was computed on. */
  const openness = new WeakMap<object, { aliases: unknown; open: boolean }>();
  const telemetryFor = perBroker(createTelemetry);
  let lastBroker: Service["broker"] | undefined;
  let lastTelemetry: Telemetry | undefined;

  /** The broker's telemetry, remembered for the last broker asked about (one per door, in practice). */
  function telemetry(service: Service): Telemetry {
    if (service.broker !== lastBroker || lastTelemetry === undefined) {
      lastTelemetry = telemetryFor(service.broker);
      lastBroker = service.broker;
    }
    return lastTelemetry;
  }

  function somethingOpen(gateway: GatewayService): boolean {
    const cached = openness.get(gateway);
    if (cached !== undefined && cached.aliases === gateway.aliases) return cached.open;
    const open = anythingOpen(gateway, openAssets && gateway.serve != null);
    openness.set(gateway, { aliases: gateway.aliases, open });
    return open;
  }

  /** Refuses the request: counted, logged (rate-limited, without the URL) and answered. Never throws. */
  function refuse(
    gateway: GatewayService,
    req: IncomingMessage,
    res: ServerResponse,
    decision: Decision,
  ): void {
    try {
      const t = telemetry(gateway);
      const outcome = outcomeOf(decision) as Refusal;
      t.count(outcome, "", `${gateway.fullName}.door`, credentialOf(decision));
      // A misconfiguration is logged once by the store, not per request. The URL is never logged: a
      // client may have put the secret in it.
      if (outcome !== "misconfigured") {
        t.rejectedRequest(
          `${String(req.method ?? "?").slice(0, 16)} request to gateway '${gateway.fullName}' (${describe(decision)})`,
          req.headers["x-request-id"],
          rejectionLogLimit,
          rejectionLogInterval,
        );
      }
    } catch {
      // the answer matters more than the count
    }
    writeRefusal(res, decision, resolved, req);
  }

  /** The request after its decision: refused, or taken apart from its credential and passed on. */
  function proceed(
    gateway: GatewayService,
    req: IncomingMessage,
    res: ServerResponse,
    next: unknown,
    inner: HttpHandler,
    web: HttpHandler,
    decision: Decision,
    secret: unknown,
    token: unknown,
    before: { snapshot: RequestSnapshot | undefined; url: unknown; original: unknown },
    parsed: ParsedUrl | undefined,
  ): unknown {
    const passed = forwardOnly || admitted(decision);
    const mark = presentedMark(name, secret, tokenHeader, token);
    const owned = typeof next !== "function";
    if (secret !== undefined) removeHeader(req, name, owned);
    if (token !== undefined) removeHeader(req, tokenHeader, owned);
    // Nothing open, and no Express behind: every target moleculer-web could pick is refused, so
    // refuse now, before any of the gateway's own code (rootCallOptions, the request log) runs.
    if (!passed && owned && !somethingOpen(gateway)) {
      return refuse(gateway, req, res, decision);
    }
    const t = telemetry(gateway);
    if (passed && !forwardOnly && t.counting !== false) {
      const label = typeof decision === "number" ? (resolved.store.current?.labels[decision] ?? "") : "";
      t.count("accepted", label, `${gateway.fullName}.door`, credentialOf(decision));
    }
    requests.set(req, {
      admitted: passed,
      decidedWith: forwardOnly ? undefined : resolved,
      decision,
      mark,
      claims: claimsOf(decision),
      open: false,
      snapshot: before.snapshot,
      cleanedUrl: before.url,
      cleanedOriginal: before.original,
      parsed,
    });
    // A replacement of moleculer-web's httpHandler is the gateway's own code: admitted requests only.
    return (passed ? inner : web).call(gateway, req, res, next);
  }

  function wrap(inner: HttpHandler, web: HttpHandler = inner): HttpHandler {
    const frontDoor = function sharedSecretFrontDoor(
      this: GatewayService,
      req: IncomingMessage,
      res: ServerResponse,
      next?: unknown,
    ) {
      try {
        const middleware = typeof next === "function";
        const url = req.url;
        const hasQuery = typeof url === "string" && url.indexOf("?", 1) !== -1;
        const snapshot =
          middleware &&
          (hasQuery || req.headers[name] !== undefined || req.headers[tokenHeader] !== undefined)
            ? snapshotRequest(req)
            : undefined;
        // The gateway's own server, nothing parsed yet: the parse that decides is the one
        // moleculer-web's rest action asks its parser for, made once (a 4 KB query costs ~70 µs).
        const parsed = hasQuery && !middleware ? parseOnce(this, req, credentialNames) : undefined;
        if (
          parsed === undefined &&
          (hasQuery || (middleware && (req as { query?: unknown }).query !== undefined))
        ) {
          const parse = (query: string) => this.parseQueryString({ url: `/?${query}` }).query;
          const delimiter = (this.settings as { qsOptions?: { delimiter?: unknown } }).qsOptions?.delimiter;
          if (cleanQuery(req, parse, delimiter, credentialNames) === "refuse") {
            return writeUrlRefusal(res, req);
          }
        }
        // The URLs the door left are kept only to put a request back as it came (middleware mode).
        const before =
          snapshot === undefined
            ? NOTHING_TO_RESTORE
            : { snapshot, url: req.url, original: (req as { originalUrl?: unknown }).originalUrl };
        const secret = req.headers[name];
        const token = tokenHeader === "" ? undefined : singleHeader(req, tokenHeader);
        // Checked first, before any routing: the check takes the same time whatever the route.
        const decision = forwardOnly ? 0 : decide(secret, token, resolved);
        if (!(decision instanceof Promise)) {
          return proceed(this, req, res, next, inner, web, decision, secret, token, before, parsed);
        }
        return decision
          .then((settled) =>
            proceed(this, req, res, next, inner, web, settled, secret, token, before, parsed),
          )
          .catch(() => writeRefusal(res, "missing", resolved, req));
      } catch {
        // the door's own failure: nothing was let in
        return writeRefusal(res, "missing", resolved, req);
      }
    };
    Object.defineProperty(frontDoor, DOOR, { value: true });
    return frontDoor;
  }

  /**
   * moleculer-web's `rest` action: a request that did not come through the door is refused (the
   * calls made from its context, whose `params.req` is the request, present the request's mark to
   * the check); `HEAD` is routed as `GET`
   * where no alias takes `HEAD`. A request without a valid credential that fails before it reached
   * an open target (a path parameter that does not decode, say) is answered 401, not with the error.
   */
  function rest(inner: RestHandler, claimsKey: string | undefined): RestHandler {
    return function sharedSecretRest(this: Service, ctx: Context) {
      const params = ctx.params as { req?: IncomingMessage; res?: ServerResponse } | null;
      const req = params?.req;
      const state = req !== null && typeof req === "object" ? requests.get(req) : undefined;
      // A request that did not come through the door (something called the action itself, or an
      // HTTP server that calls another handler): refused, never served.
      if (state === undefined) return Promise.reject(new SharedSecretConfigurationError());
      let result: unknown;
      try {
        // The token's verified claims, for the gateway's own hooks (authenticate, authorize, aliases).
        if (claimsKey !== undefined && state.claims !== undefined) {
          (ctx.meta as Record<string, unknown>)[claimsKey] = state.claims;
        }
        if (req!.method === "HEAD") headAsGet(this as GatewayService, req!);
        result = inner.call(this, ctx);
      } catch (err) {
        result = Promise.reject(err);
      }
      if (state.admitted) return result;
      return Promise.resolve(result).catch((err: unknown) => {
        if (state.open) throw err;
        refuse(this as GatewayService, req!, params!.res as ServerResponse, state.decision);
        return true;
      });
    };
  }

  /** Node knows a HEAD response has no body: moleculer-web routes it as the GET it is, unless an alias takes HEAD. */
  /** HEAD requests the door routed as GET: a request handed on to Express is a HEAD again. */
  const routedAsGet = new WeakSet<IncomingMessage>();

  function headAsGet(gateway: GatewayService, req: IncomingMessage): void {
    const { url } = gateway.parseQueryString(req as { url: string });
    const path = url.length > 1 && url.endsWith("/") ? url.slice(0, -1) : url;
    if (!gateway.resolveAlias(path, "HEAD")) {
      req.method = "GET";
      routedAsGet.add(req);
    }
  }

  /**
   * moleculer-web has chosen a route and maybe an alias: a request without a valid credential goes
   * on only to an open alias (or, with no alias under `"restrict"`, to the not-routed path). `OPTIONS` that is not a CORS preflight of the route never reaches an
   * action: the door answers `204` with the `Allow` list.
   */
  function routeHandler(inner: RouteHandler): RouteHandler {
    return function sharedSecretRouteHandler(this: GatewayService, ctx, route, req, res, found) {
      const state = requests.get(req);
      if (state === undefined) return Promise.reject(new SharedSecretConfigurationError());
      if (!state.admitted) {
        // No alias under mappingPolicy "restrict": moleculer-web gives the request up to its
        // not-routed path (static files, the 404, Express's next()), where the door decides again.
        // Given up now, the route's `use` middlewares and CORS never run for it.
        if (!found && route.mappingPolicy === "restrict") return Promise.resolve(null);
        let access = LOCKED;
        try {
          access = found ? aliasAccess(found.alias) : routeAccess(route);
        } catch {
          // an alias or route the door cannot read: locked
        }
        if (!access.open) {
          refuse(this, req, res, state.decision);
          return Promise.resolve(true);
        }
        state.open = true;
      }
      if (req.method === "OPTIONS" && !(route.cors && isPreflight(req))) {
        const path = (req as { parsedUrl?: unknown }).parsedUrl;
        res.writeHead(204, { Allow: allowedMethods(this, path), "Content-Length": "0" });
        res.end();
        return Promise.resolve(true);
      }
      return inner.call(this, ctx, route, req, res, found);
    };
  }

  /**
   * The not-routed path starts with `corsHandler(this.settings, ...)`: a request without a valid
   * credential goes on only to open static files, or, in middleware mode, to Express's `next()`.
   * Locked static files in middleware mode fail closed: the door cannot know, before serve-static
   * has answered, whether a URL is a file, so such a gateway answers 401 there (mount the files in
   * Express, or set `openAssets`).
   */
  function corsHandler(inner: CorsHandler): CorsHandler {
    return function sharedSecretCorsHandler(this: GatewayService, settings, req, res) {
      const state = requests.get(req);
      if (settings !== this.settings || state === undefined || state.admitted || state.open) {
        return inner.call(this, settings, req, res);
      }
      const middleware = typeof (req as { $next?: unknown }).$next === "function";
      const assets = this.serve != null;
      const goesOn = middleware
        ? !(isPreflight(req) && Boolean(this.settings.cors)) && (!assets || openAssets)
        : assets && openAssets;
      if (!goesOn) {
        refuse(this, req, res, state.decision);
        return true;
      }
      return inner.call(this, settings, req, res);
    };
  }

  /**
   * The 404: refused without a valid credential. In middleware mode it is Express's `next()`, and
   * the request goes there as it came (the door's removals put back): it is not the door's.
   */
  function send404(inner: Send404): Send404 {
    return function sharedSecretSend404(this: GatewayService, req, res) {
      const state = requests.get(req);
      if (typeof (req as { $next?: unknown }).$next === "function") {
        if (state?.snapshot !== undefined)
          restoreRequest(req, state.snapshot, state.cleanedUrl, state.cleanedOriginal);
        if (routedAsGet.has(req)) req.method = "HEAD";
        return inner.call(this, req, res);
      }
      if (state === undefined || !(state.admitted || state.open)) {
        return refuse(this, req, res, state?.decision ?? "missing");
      }
      return inner.call(this, req, res);
    };
  }

  /**
   * moleculer-web's query parser: the rest action's call for a request gets the door's parse of the
   * same URL, once, instead of parsing it again.
   */
  function parseQueryString(inner: ParseQueryString): ParseQueryString {
    return function sharedSecretParseQueryString(this: GatewayService, req) {
      const state = req !== null && typeof req === "object" ? requests.get(req) : undefined;
      const parsed = state?.parsed;
      if (parsed !== undefined) {
        state!.parsed = undefined;
        if (parsed.url === req.url) return parsed.result;
      }
      return inner.call(this, req);
    };
  }

  return { wrap, rest, routeHandler, corsHandler, send404, parseQueryString };
}

/**
 * The gateway's parse of a request's URL (its own server's request, which nothing parsed before),
 * when no look-alike of the credential's names is in it; undefined otherwise, or when the parser
 * throws: the request then goes through `cleanQuery`.
 */
function parseOnce(
  gateway: GatewayService,
  req: IncomingMessage,
  names: readonly string[],
): ParsedUrl | undefined {
  const { originalUrl, query } = req as { originalUrl?: unknown; query?: unknown };
  if (originalUrl !== undefined || query !== undefined) return undefined;
  try {
    const url = req.url as string;
    const result = gateway.parseQueryString(req as { url: string });
    return holdsLookAlike(result?.query, names) ? undefined : { url, result };
  } catch {
    return undefined;
  }
}
