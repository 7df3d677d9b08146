/**
 * Which requests the front door leaves open (routes and aliases marked `sharedSecret: false`, static
 * files with `openAssets`), resolved exactly as moleculer-web routes them; and the exposure report.
 */

/** A moleculer-web route, as the gateway service holds it (`this.routes`). */
export interface GatewayRoute {
  path: string;
  opts?: { sharedSecret?: unknown; use?: unknown; mappingPolicy?: unknown; cors?: unknown } | null;
  cors?: unknown;
}

/** A moleculer-web alias, as the gateway service holds it (`this.aliases`). */
export interface GatewayAlias {
  method: string;
  fullPath?: string;
  action?: string | null;
  handler?: unknown;
  sharedSecret?: unknown;
  route: GatewayRoute;
}

/** The parts of a moleculer-web service the door reads. */
export interface GatewayInternals {
  fullName: string;
  routes?: GatewayRoute[];
  aliases?: GatewayAlias[];
  settings: { assets?: { folder?: unknown } | null; cors?: unknown; use?: unknown };
  resolveAlias(url: string, method?: string): { alias: GatewayAlias } | false;
}

/** The path moleculer-web routes on: `req.url` up to the query, without a trailing slash. */
export function routedPath(url: string): string {
  const q = url.indexOf("?", 1);
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Whether a route or alias definition opens itself: `sharedSecret: false`, nothing else. */
function opens(definition: { sharedSecret?: unknown } | null | undefined): boolean {
  return definition?.sharedSecret === false;
}

/**
 * Whether the request for `path` and `method` reaches an open route or alias. Mirrors moleculer-web's
 * own order: aliases first (the alias's route decides with it), then the first route whose path
 * starts the URL, then static files (`openAssets`) or a 404.
 */
export function isOpen(
  gateway: GatewayInternals,
  path: string,
  method: string,
  openAssets: boolean,
): boolean {
  const found = gateway.resolveAlias(path, method);
  if (found) return opens(found.alias) || opens(found.alias.route.opts);
  const routes = gateway.routes ?? [];
  for (let i = 0; i < routes.length; i++) {
    if (path.startsWith(routes[i].path)) return opens(routes[i].opts);
  }
  return openAssets;
}

/** Whether anything at all is open: when nothing is, the door skips the lookup. */
export function anythingOpen(gateway: GatewayInternals, openAssets: boolean): boolean {
  return (
    openAssets ||
    (gateway.routes ?? []).some((route) => opens(route.opts)) ||
    (gateway.aliases ?? []).some((alias) => opens(alias))
  );
}

/** The methods the aliases of `path` answer, for an `Allow` header. */
export function allowedMethods(gateway: GatewayInternals, path: string): string {
  const methods = new Set<string>();
  for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]) {
    if (gateway.resolveAlias(path, method)) methods.add(method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].join(", ");
}

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
