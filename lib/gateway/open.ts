/**
 * The one place where "open" is decided: what a request without a valid credential may reach, given
 * the target moleculer-web itself chose for it. The door asks it at moleculer-web's decision points
 * (its `routeHandler`, and the not-routed path), and the exposure report and the start-up checks
 * read the same answers.
 */

/** A moleculer-web route, as the gateway service holds it (`this.routes`). */
export interface GatewayRoute {
  path: string;
  /** What moleculer-web applies: `"restrict"` (the default with aliases) or `"all"`. */
  mappingPolicy?: unknown;
  cors?: unknown;
  opts?: { sharedSecret?: unknown; use?: unknown; mappingPolicy?: unknown } | null;
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

/** The parts of a moleculer-web service the door reads and calls. */
export interface GatewayInternals {
  fullName: string;
  routes?: GatewayRoute[];
  aliases?: GatewayAlias[];
  settings: { assets?: { folder?: unknown } | null; cors?: unknown; use?: unknown };
  resolveAlias(url: string, method?: string): { alias: GatewayAlias } | false;
}

/** Whether a request without a valid credential may reach a target, and why (the report's words). */
export interface Access {
  readonly open: boolean;
  readonly reason: string;
}

const DEFAULT: Access = Object.freeze({ open: false, reason: "default" });
const ALIAS_OPEN: Access = Object.freeze({ open: true, reason: "alias sharedSecret: false" });
const ALIAS_LOCKED: Access = Object.freeze({ open: false, reason: "alias sharedSecret: true" });
const ROUTE_OPEN: Access = Object.freeze({ open: true, reason: "route sharedSecret: false" });
const NO_ALIAS: Access = Object.freeze({
  open: false,
  reason: "no alias: an open route opens its aliases only",
});
const ASSETS_OPEN: Access = Object.freeze({ open: true, reason: "openAssets option" });

/**
 * An alias moleculer-web routed the request to: open when the alias says `sharedSecret: false`, or
 * says nothing and its route does. Anything but the boolean `false` locks (a `"false"` string is
 * refused at start-up; here it fails closed).
 */
export function aliasAccess(alias: GatewayAlias): Access {
  const own = alias.sharedSecret;
  if (own === false) return ALIAS_OPEN;
  if (own !== undefined) return own === true ? ALIAS_LOCKED : DEFAULT;
  return alias.route?.opts?.sharedSecret === false ? ROUTE_OPEN : DEFAULT;
}

/**
 * A route moleculer-web chose without an alias (a URL mapped to an action under
 * `mappingPolicy: "all"`, or one that falls through to static files or the 404): always locked,
 * even under an open route, whose opening covers its aliases only.
 */
export function routeAccess(route: GatewayRoute): Access {
  return route.opts?.sharedSecret === false ? NO_ALIAS : DEFAULT;
}

/** Static files, when moleculer-web routed the request nowhere: open only with `openAssets`. */
export function assetsAccess(openAssets: boolean): Access {
  return openAssets ? ASSETS_OPEN : DEFAULT;
}

/** Whether anything at all is open: when nothing is, the door refuses at once, before routing. */
export function anythingOpen(gateway: GatewayInternals, openAssets: boolean): boolean {
  if (openAssets && gateway.settings.assets != null) return true;
  const aliases = gateway.aliases ?? [];
  for (let i = 0; i < aliases.length; i++) if (aliasAccess(aliases[i]).open) return true;
  return false;
}

/**
 * The `sharedSecret` flags of the gateway's routes and aliases that are neither `true`, `false` nor
 * absent (a `"false"` string in plain JavaScript), as "where: value" lines, for the start-up refusal.
 */
export function badFlags(gateway: GatewayInternals): string[] {
  const bad: string[] = [];
  const check = (flag: unknown, where: string) => {
    if (flag !== undefined && typeof flag !== "boolean") bad.push(`${where} (${JSON.stringify(flag)})`);
  };
  for (const route of gateway.routes ?? []) check(route.opts?.sharedSecret, `route '${route.path}'`);
  for (const alias of gateway.aliases ?? []) {
    check(alias.sharedSecret, `alias '${alias.method} ${alias.fullPath ?? ""}'`);
  }
  return bad;
}
