/**
 * The door itself, per HTTP request: the check before moleculer-web reads anything, the refusal, the
 * header and look-alike query parameter taken out, and HEAD and OPTIONS answered without an action.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Service } from "moleculer";
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
import type { ResolvedOptions } from "../options";
import { writeRefusal } from "./answer";
import type { GatewayClaims } from "../token/verifier";
import { presentedMark, type HiddenSlot, type Mark } from "./forward";
import { removeHeader, removeQueryParameter, singleHeader } from "./request";
import { allowedMethods, anythingOpen, isOpen, routedPath, routeOf, type GatewayInternals } from "./routes";

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
  /** Requests the door let in, and the credential headers to carry into their calls. */
  readonly admitted: HiddenSlot<Mark>;
  /** The verified claims of requests a token let in. */
  readonly claims: HiddenSlot<GatewayClaims>;
}

/**
 * A door maker: `wrap(inner)` returns the `httpHandler` that checks each request, then calls `inner`.
 * The door keeps its own telemetry per broker (its rejection-log window).
 */
export function createHttpDoor({
  resolved,
  forwardOnly,
  openAssets,
  admitted: admittedRequests,
  claims: verifiedClaims,
}: DoorSettings): {
  wrap(inner: HttpHandler): HttpHandler;
} {
  const name = resolved.headerName;
  const tokenHeader = resolved.tokens?.options.headerName ?? "";
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

  function refuse(
    gateway: GatewayService,
    req: IncomingMessage,
    res: ServerResponse,
    decision: Decision,
  ): void {
    const t = telemetry(gateway);
    const outcome = outcomeOf(decision) as Refusal;
    t.count(outcome, "", `${gateway.fullName}.door`, credentialOf(decision));
    // A misconfiguration is logged once by the store, not per request. The URL is never logged: a
    // client may have put the secret in it.
    if (outcome !== "misconfigured") {
      t.rejectedRequest(
        `${req.method ?? "?"} request to gateway '${gateway.fullName}' (${describe(decision)})`,
        req.headers["x-request-id"],
        rejectionLogLimit,
        rejectionLogInterval,
      );
    }
    writeRefusal(res, decision, resolved);
  }

  /** The request after its decision: refused, or let in (marked for its calls) and passed on. */
  function proceed(
    gateway: GatewayService,
    req: IncomingMessage,
    res: ServerResponse,
    next: unknown,
    inner: HttpHandler,
    decision: Decision,
    secret: unknown,
    token: unknown,
  ): unknown {
    let method = req.method ?? "GET";
    const special = method === "HEAD" || method === "OPTIONS";
    const t = telemetry(gateway);
    const passed = forwardOnly || admitted(decision);
    // A request that passes needs no routing here, unless it is counted (metrics on) and may be on
    // an open route, which is not counted; one that fails is refused unless its route is open.
    const checkOpen = !forwardOnly && (!passed || t.counting !== false) && somethingOpen(gateway);
    const path = special || checkOpen ? routedPath(req.url ?? "/") : "";
    if (method === "HEAD" && !gateway.resolveAlias(path, "HEAD")) {
      // Node already knows a HEAD response has no body; moleculer-web routes it as the GET it is.
      req.method = method = "GET";
    }
    const preflight = method === "OPTIONS" ? req.headers["access-control-request-method"] : undefined;
    const routedMethod = typeof preflight === "string" ? preflight : method;
    const open = checkOpen && isOpen(gateway, path, routedMethod, openAssets);

    if (secret !== undefined) removeHeader(req, name);
    if (token !== undefined) removeHeader(req, tokenHeader);
    if (!open && !forwardOnly) {
      if (!passed) return refuse(gateway, req, res, decision);
      if (t.counting !== false) {
        const label = typeof decision === "number" ? (resolved.store.current?.labels[decision] ?? "") : "";
        t.count("accepted", label, `${gateway.fullName}.door`, credentialOf(decision));
      }
    }
    try {
      // What was presented travels on to the request's calls, whose guard checks it again (on an
      // open route, the door did not require it).
      admittedRequests.set(req, presentedMark(name, secret, tokenHeader, token));
      const claims = claimsOf(decision);
      if (claims !== undefined) verifiedClaims.set(req, claims);
    } catch {
      // a request object that takes no field: not admitted, so its `rest` call is refused
    }

    if (method === "OPTIONS") {
      const route = routeOf(gateway, path, routedMethod);
      const cors = route?.cors ?? gateway.settings.cors;
      if (!(cors && preflight !== undefined)) {
        res.writeHead(204, { Allow: allowedMethods(gateway, path), "Content-Length": "0" });
        res.end();
        return;
      }
    }
    return inner.call(gateway, req, res, next);
  }

  function wrap(inner: HttpHandler): HttpHandler {
    const frontDoor = function sharedSecretFrontDoor(
      this: GatewayService,
      req: IncomingMessage,
      res: ServerResponse,
      next?: unknown,
    ) {
      if (req.url !== undefined && req.url.includes("?")) {
        removeQueryParameter(req, name);
        if (tokenHeader !== "") removeQueryParameter(req, tokenHeader);
      }
      const secret = req.headers[name];
      const token = tokenHeader === "" ? undefined : singleHeader(req, tokenHeader);
      // Checked first, before any routing: the check takes the same time whatever the route.
      const decision = forwardOnly ? 0 : decide(secret, token, resolved);
      if (!(decision instanceof Promise)) {
        return proceed(this, req, res, next, inner, decision, secret, token);
      }
      return decision
        .then((settled) => proceed(this, req, res, next, inner, settled, secret, token))
        .catch(() => {
          if (!res.headersSent)
            writeRefusal(res, { refused: "misconfigured", reason: "door failed" }, resolved);
        });
    };
    Object.defineProperty(frontDoor, DOOR, { value: true });
    return frontDoor;
  }

  return { wrap };
}
