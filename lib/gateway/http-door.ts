/**
 * The door itself, per HTTP request: the check before moleculer-web reads anything, the refusal, the
 * header and look-alike query parameter taken out, and HEAD and OPTIONS answered without an action.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Service } from "moleculer";
import { admits, verifyHeaders, type Refusal } from "../check/guard";
import { perBroker } from "../check/per-broker";
import { createTelemetry, type Telemetry } from "../check/telemetry";
import type { ResolvedOptions } from "../options";
import { writeRefusal } from "./answer";
import type { HiddenSlot } from "./forward";
import { removeHeader, removeQueryParameter } from "./request";
import {
  allowedMethods,
  anythingOpen,
  isOpen,
  routedPath,
  type GatewayInternals,
  type GatewayRoute,
} from "./routes";

/** moleculer-web's `httpHandler` (or whatever the service ends up with). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, next?: unknown) => unknown;

/** A moleculer-web service as the door sees it. */
export type GatewayService = Service &
  GatewayInternals & { server?: { listeners(event: string): unknown[] }; httpHandler?: unknown };

/** Marks the door's own `httpHandler`, so a second door (the mixin twice) is found. */
export const DOOR = Symbol.for("moleculer-shared-secret.door.v1");

/** What one door instance is configured with, once, by the gateway mixin. */
export interface DoorSettings {
  readonly resolved: ResolvedOptions;
  readonly forwardOnly: boolean;
  readonly openAssets: boolean;
  /** Requests the door let in, and the header value to carry into their calls ("" for none). */
  readonly admitted: HiddenSlot<string>;
}

/** The route a request for `path` goes to, for its CORS settings (alias first, as moleculer-web). */
function routeOf(gateway: GatewayInternals, path: string, method: string): GatewayRoute | undefined {
  const found = gateway.resolveAlias(path, method);
  if (found) return found.alias.route;
  return (gateway.routes ?? []).find((route) => path.startsWith(route.path));
}

/**
 * A door maker: `wrap(inner)` returns the `httpHandler` that checks each request, then calls `inner`.
 * The door keeps its own telemetry per broker (its rejection-log window).
 */
export function createHttpDoor({ resolved, forwardOnly, openAssets, admitted }: DoorSettings): {
  wrap(inner: HttpHandler): HttpHandler;
} {
  const name = resolved.headerName;
  const { rejectionLogLimit, rejectionLogInterval } = resolved;
  /** Per gateway: whether any route or alias is open, for the alias table it was computed on. */
  const openness = new WeakMap<object, { aliases: unknown; routes: number; open: boolean }>();
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
    const routes = gateway.routes?.length ?? 0;
    if (cached !== undefined && cached.aliases === gateway.aliases && cached.routes === routes)
      return cached.open;
    const open = anythingOpen(gateway, openAssets);
    openness.set(gateway, { aliases: gateway.aliases, routes, open });
    return open;
  }

  function refuse(gateway: GatewayService, req: IncomingMessage, res: ServerResponse, why: Refusal): void {
    const t = telemetry(gateway);
    t.count(why, "", `${gateway.fullName}.door`);
    // A misconfiguration is logged once by the store, not per request. The URL is never logged: a
    // client may have put the secret in it.
    if (why !== "misconfigured") {
      t.rejectedRequest(
        `${req.method ?? "?"} request to gateway '${gateway.fullName}' (${why})`,
        req.headers["x-request-id"],
        rejectionLogLimit,
        rejectionLogInterval,
      );
    }
    writeRefusal(res, why);
  }

  function wrap(inner: HttpHandler): HttpHandler {
    const frontDoor = function sharedSecretFrontDoor(
      this: GatewayService,
      req: IncomingMessage,
      res: ServerResponse,
      next?: unknown,
    ) {
      let method = req.method ?? "GET";
      const special = method === "HEAD" || method === "OPTIONS";
      if (req.url !== undefined && req.url.includes("?")) removeQueryParameter(req, name);
      const value = req.headers[name];
      const t = telemetry(this);
      // Checked first: a request that passes needs no routing here, unless it is counted (metrics
      // on) and may be on an open route, which is not counted; one that fails is refused unless its
      // route is open. The check takes the same time whatever the route.
      const verdict = forwardOnly ? 0 : verifyHeaders(req.headers, resolved);
      const checkOpen = !forwardOnly && (!admits(verdict) || t.counting !== false) && somethingOpen(this);
      const path = special || checkOpen ? routedPath(req.url ?? "/") : "";
      if (method === "HEAD" && !this.resolveAlias(path, "HEAD")) {
        // Node already knows a HEAD response has no body; moleculer-web routes it as the GET it is.
        req.method = method = "GET";
      }
      const preflight = method === "OPTIONS" ? req.headers["access-control-request-method"] : undefined;
      const routedMethod = typeof preflight === "string" ? preflight : method;
      const open = checkOpen && isOpen(this, path, routedMethod, openAssets);

      if (!open && !forwardOnly) {
        if (!admits(verdict)) {
          if (value !== undefined) removeHeader(req, name);
          return refuse(this, req, res, verdict);
        }
        if (t.counting !== false) {
          t.count("accepted", resolved.store.current?.labels[verdict] ?? "", `${this.fullName}.door`);
        }
      }
      if (value !== undefined) removeHeader(req, name);
      try {
        admitted.set(req, typeof value === "string" ? value : "");
      } catch {
        // a request object that takes no field: not admitted, so its `rest` call is refused
      }

      if (method === "OPTIONS") {
        const route = routeOf(this, path, routedMethod);
        const cors = route?.cors ?? this.settings.cors;
        if (!(cors && preflight !== undefined)) {
          res.writeHead(204, { Allow: allowedMethods(this, path), "Content-Length": "0" });
          res.end();
          return;
        }
      }
      return inner.call(this, req, res, next);
    };
    Object.defineProperty(frontDoor, DOOR, { value: true });
    return frontDoor;
  }

  return { wrap };
}
