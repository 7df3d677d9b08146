/**
 * The exposure report: every route and alias a gateway serves, what serves it, and whether the door
 * lets a request without the secret in; logged at start-up and returned by `gatewayExposure`.
 */
import type { Service } from "moleculer";
import { opens, type GatewayInternals } from "./routes";

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
   * `"forwardOnly: only actions check the secret"`, or `"default"` (locked).
   */
  readonly reason: string;
}

function useCount(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

/**
 * The gateway's exposure: every route and alias it has now, what serves it, and whether the door
 * lets requests without the secret in. Call it on the gateway service (e.g. in a test, after
 * `broker.start()`); the door logs the same table at `info` when the service starts.
 */
export function exposureOf(
  gateway: GatewayInternals,
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
    const routeOpen = opens(route.opts);
    const routeAccess = routeOpen ? "open" : "locked";
    const routeReason = routeOpen ? "route sharedSecret: false" : "default";
    for (const alias of (gateway.aliases ?? []).filter((a) => a.route === route)) {
      const open = routeOpen || opens(alias);
      const action = alias.action ? `action ${alias.action}` : "";
      const target =
        typeof alias.handler === "function" ? (action ? `function, then ${action}` : "function") : action;
      entries.push({
        request: `${alias.method === "*" ? "ALL" : alias.method} ${alias.fullPath ?? ""}`,
        target,
        access: open ? "open" : "locked",
        reason: routeOpen ? routeReason : open ? "alias sharedSecret: false" : "default",
      });
    }
    const use = globalUse + useCount(route.opts?.use);
    const byUrl = route.opts?.mappingPolicy === "restrict" ? "no action by URL" : "any action by URL";
    entries.push({
      request: `${route.path.replace(/\/$/, "")}/* (route)`,
      target: use > 0 ? `${byUrl}; use (${use})` : byUrl,
      access: routeAccess,
      reason: routeReason,
    });
  }
  const assets = gateway.settings.assets;
  if (assets != null) {
    entries.push({
      request: "static files",
      target: `assets ${String(assets.folder)}`,
      access: openAssets ? "open" : "locked",
      reason: openAssets ? "openAssets option" : "default",
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
