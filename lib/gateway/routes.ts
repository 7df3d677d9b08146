/**
 * Which requests the front door leaves open (routes and aliases marked `sharedSecret: false`, static
 * files with `openAssets`), resolved exactly as moleculer-web routes them.
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
export function opens(definition: { sharedSecret?: unknown } | null | undefined): boolean {
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

/** The route a request for `path` goes to, for its CORS settings (alias first, as moleculer-web). */
export function routeOf(gateway: GatewayInternals, path: string, method: string): GatewayRoute | undefined {
  const found = gateway.resolveAlias(path, method);
  if (found) return found.alias.route;
  return (gateway.routes ?? []).find((route) => path.startsWith(route.path));
}
