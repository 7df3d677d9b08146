/**
 * The exposure report: every route and alias a gateway serves, what serves it, and whether the door
 * lets a request without the secret in; logged at start-up and returned by `gatewayExposure`.
 */
import type { Service, ServiceBroker } from "moleculer";
import { checkedNames } from "./forward";
import { aliasAccess, assetsAccess, routeAccess, type GatewayAlias, type GatewayInternals } from "./open";

/** Where a gateway service keeps its exposure report function (see {@link gatewayExposure}). */
const EXPOSURE = Symbol.for("moleculer-shared-secret.exposure.v1");

/** One line of the exposure report. */
export interface ExposureEntry {
  /** What a client asks for: `"GET /protected"`, `"/api/*"` (a route), `"static files"`, `"anything else"`. */
  readonly request: string;
  /** What serves it: `"action protected.access"`, `"function"`, `"use (2)"`, `"assets ./public"`, `"404"`. */
  readonly target: string;
  readonly access: "open" | "locked";
  /**
   * Why: `"alias sharedSecret: false"`, `"route sharedSecret: false"`, `"openAssets option"`,
   * `"forwardOnly: only actions check the secret"`, `"alias sharedSecret: true"`, `"no alias: an open
   * route opens its aliases only"`, or `"default"` (locked). An open alias whose action checks the
   * secret adds `"; open at the door, refused by the action check"`.
   */
  readonly reason: string;
}

function useCount(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/** A gateway as the report reads it: its routes and aliases, and the registry of its broker. */
type ReportedGateway = GatewayInternals & { broker?: ServiceBroker };

/**
 * Whether every node that runs `action` announces that it checks the secret (so a request without
 * it is refused by the action check, whatever the door says); false while no node runs it.
 */
function checkedByAction(gateway: ReportedGateway, action: string): boolean {
  try {
    const endpoints = gateway.broker?.registry.getActionEndpoints(action) as
      { endpoints?: { action?: unknown }[] } | undefined;
    const list = endpoints?.endpoints ?? [];
    return list.length > 0 && list.some((endpoint) => checkedNames(endpoint.action).length > 0);
  } catch {
    return false;
  }
}

/**
 * The aliases open at the door whose action is checked by the action check on a node that runs
 * it: requests without the secret get 401 there. The start-up warning and the report read this.
 */
export function openButRefused(gateway: ReportedGateway): { request: string; action: string }[] {
  const found: { request: string; action: string }[] = [];
  for (const alias of gateway.aliases ?? []) {
    if (!aliasAccess(alias).open || typeof alias.action !== "string") continue;
    if (checkedByAction(gateway, alias.action)) {
      found.push({ request: requestOf(alias), action: alias.action });
    }
  }
  return found;
}

function requestOf(alias: GatewayAlias): string {
  return `${alias.method === "*" ? "ALL" : alias.method} ${alias.fullPath ?? ""}`;
}

/**
 * The gateway's exposure: every route and alias it has now, what serves it, and whether the door
 * lets requests without the secret in, decided by the door's own rules (`open.ts`). Call it on the
 * gateway service (e.g. in a test, after `broker.start()`); the door logs the same table at `info`
 * when the service starts.
 */
export function exposureOf(
  gateway: ReportedGateway,
  openAssets: boolean,
  forwardOnly: boolean,
): ExposureEntry[] {
  if (forwardOnly) {
    return exposureOf(gateway, true, false).map((entry) => ({
      ...entry,
      access: "open",
      reason: "forwardOnly: only actions check the secret",
    }));
  }
  const entries: ExposureEntry[] = [];
  const globalUse = useCount(gateway.settings.use);
  for (const route of gateway.routes ?? []) {
    for (const alias of (gateway.aliases ?? []).filter((a) => a.route === route)) {
      const access = aliasAccess(alias);
      const action = alias.action ? `action ${alias.action}` : "";
      const target =
        typeof alias.handler === "function" ? (action ? `function, then ${action}` : "function") : action;
      const refused =
        access.open && typeof alias.action === "string" && checkedByAction(gateway, alias.action);
      entries.push({
        request: requestOf(alias),
        target,
        access: access.open ? "open" : "locked",
        reason: refused ? `${access.reason}; open at the door, refused by the action check` : access.reason,
      });
    }
    const use = globalUse + useCount(route.opts?.use);
    // What moleculer-web applies (`route.mappingPolicy`: "restrict" by default when the route has aliases).
    const policy = route.mappingPolicy ?? route.opts?.mappingPolicy;
    const byUrl = policy === "restrict" ? "no action by URL" : "any action by URL";
    const access = routeAccess(route);
    entries.push({
      request: `${route.path.replace(/\/$/, "")}/* (route)`,
      target: use > 0 ? `${byUrl}; use (${use})` : byUrl,
      access: access.open ? "open" : "locked",
      reason: access.reason,
    });
  }
  const assets = gateway.settings.assets;
  if (assets != null) {
    const access = assetsAccess(openAssets);
    entries.push({
      request: "static files",
      target: `assets ${String(assets.folder)}`,
      access: access.open ? "open" : "locked",
      reason: access.reason,
    });
  }
  entries.push({ request: "anything else", target: "404", access: "locked", reason: "default" });
  return entries;
}

/** The report as the table the door logs. */
export function renderExposure(entries: readonly ExposureEntry[]): string {
  const header: ExposureEntry = { request: "request", target: "target", access: "locked", reason: "why" };
  const rows = [header, ...entries].map((e, i) => [
    e.request,
    e.target,
    i === 0 ? "access" : e.access,
    e.reason,
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join("  ")).join("\n");
}

/** Keeps `report` on the gateway service (non-enumerable), for {@link gatewayExposure}. */
export function publishExposure(service: Service, report: () => ExposureEntry[]): void {
  Object.defineProperty(service, EXPOSURE, { value: report });
}

/**
 * The exposure report of a gateway service that mixes in {@link SharedSecretGateway}: each route and
 * alias it serves now, what serves it, and whether a request without the secret gets past the door.
 *
 * @example
 * ```ts
 * const api = broker.getLocalService("api");
 * expect(gatewayExposure(api)).toContainEqual(
 *   { request: "GET /health", target: "action health.check", access: "open", reason: "alias sharedSecret: false" });
 * ```
 */
export function gatewayExposure(service: Service): ExposureEntry[] {
  const report = (service as unknown as Record<symbol, unknown> | null)?.[EXPOSURE];
  if (typeof report !== "function") {
    throw new TypeError(
      "Shared secret: gatewayExposure() takes a service that mixes in SharedSecretGateway().",
    );
  }
  return (report as () => ExposureEntry[])();
}
