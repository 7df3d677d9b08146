/**
 * Options of the middleware and the mixin: their types, defaults and one-time validation.
 */
import type { SecretInput, SecretProvider, SecretStore } from "./secrets";
import { storeFor } from "./secrets/from-options";
import type { TokenOptions } from "./token/options";
import { resolveTokenOptions } from "./token/resolve";
import { TOKEN_OPTION_NAMES } from "./token/options";
import { TokenVerifier } from "./token/verifier";
import { headerName, integer, invalid, refuseUnknownOptions } from "./validate";

export { PREVIOUS_SECRET_ENV, SECRET_ENV, SECRET_FILE_ENV } from "./secrets/from-options";

/** Default name of the header the gateway adds. */
export const DEFAULT_HEADER_NAME = "x-shared-secret";

/**
 * Which actions are protected.
 * - `"all"`: every action, except those or whose service say `sharedSecret: false`;
 * - `"opt-in"`: only actions or services that say `sharedSecret: true`.
 */
export type SharedSecretMode = "all" | "opt-in";

/**
 * Which credential admits a gateway's call:
 * - `"secret"`: the shared secret header;
 * - `"token"`: the gateway's signed JWT (see the `token` option), no secret at all;
 * - `"either"`: during a migration, a valid secret or a valid token (the metric's `credential`
 *   label says which admitted each call).
 */
export type SharedSecretAccept = "secret" | "token" | "either";

/**
 * Options of {@link SharedSecretMiddleware} and {@link SharedSecretMixin}.
 * The object is read once, at creation, and never modified.
 */
export interface SharedSecretOptions {
  /**
   * The accepted secret; several during a rotation; or a function returning them (sync or async,
   * e.g. from a vault), called at start and every `refreshInterval`, never per request. Each secret
   * is printable ASCII without white space, optionally `{ value, name, notAfter }`.
   * @defaultValue `SHARED_SECRET` (label `current`) and `SHARED_SECRET_PREVIOUS` (label `previous`),
   * or the file named by `SHARED_SECRET_FILE`. With none of them, checked calls are refused with
   * `500 Server configuration error` (fail closed).
   */
  secret?: SecretInput | readonly SecretInput[] | SecretProvider;
  /**
   * A file of accepted secrets, one per line (see the README), re-read every `refreshInterval`;
   * symlink swaps (Kubernetes) are followed. Exclusive with `secret`.
   * @defaultValue `process.env.SHARED_SECRET_FILE`
   */
  secretFile?: string;
  /**
   * How often, in ms, the file or the provider is read again (at least 100).
   * @defaultValue `2000` for a file, `60000` for a provider
   */
  refreshInterval?: number;
  /**
   * How long, in ms, a provider may take before the attempt counts as failed (fail closed).
   * @defaultValue `10000`
   */
  providerTimeout?: number;
  /**
   * Name of the HTTP header carrying the secret, read from `ctx.meta.headers` (case-insensitive).
   * @defaultValue `"x-shared-secret"`
   */
  headerName?: string;
  /**
   * Which actions are protected, see {@link SharedSecretMode}.
   * @defaultValue `"all"`
   */
  mode?: SharedSecretMode;
  /**
   * Names (`fullName`, e.g. `"v1.api"`) of services whose calls must carry the secret, on top of
   * those recognised automatically: moleculer-web services (`metadata.$category: "gateway"` or
   * `settings.routes`). Use it for other entry points, such as a WebSocket or GraphQL gateway.
   * @defaultValue `[]`
   */
  gateways?: readonly string[];
  /**
   * At most this many rejection lines are logged (at `warn`) per `rejectionLogInterval`; the rest
   * are counted and reported in one line at the end of the interval.
   * @defaultValue `10`
   */
  rejectionLogLimit?: number;
  /**
   * Length, in ms, of the rejection log window.
   * @defaultValue `10000`
   */
  rejectionLogInterval?: number;
  /**
   * Refuse to start the broker when no secret is configured, or with `token`, when the gateway's
   * keys could not be loaded (instead of answering checked calls with `500 Server configuration error`). A secret from the options, the environment or a file is
   * checked before any service starts (so a gateway never listens); a provider's, once it has first
   * answered, when the services have started.
   * @defaultValue `false`
   */
  requireSecret?: boolean;
  /**
   * Let a moleculer-web gateway on this broker start without {@link SharedSecretGateway}'s door
   * (e.g. one that only forwards to a checked gateway, or puts the header into `ctx.meta.headers`
   * itself). Without it, such a gateway refuses to start: its requests would not be checked before
   * its routes run, and its calls to protected actions would all be refused.
   * @defaultValue `false`
   */
  allowGatewayWithoutDoor?: boolean;
  /**
   * Verify the gateway's signed JWT (Zuplo, Cloudflare Access, any JWKS) instead of, or beside, the
   * shared secret: see {@link TokenOptions} and `accept`. The verified claims reach the action in
   * `ctx.meta.gatewayClaims` (`token.claimsKey`).
   */
  token?: TokenOptions;
  /**
   * Which credential admits a call, see {@link SharedSecretAccept}.
   * @defaultValue `"token"` when `token` is set, `"secret"` otherwise
   */
  accept?: SharedSecretAccept;
}

/**
 * The options that say where the secrets come from and how refusals are logged: what the Express
 * handler and the gateway components take, without the middleware's `mode`, `gateways` and
 * `requireSecret`.
 */
export type SecretSourceOptions = Pick<
  SharedSecretOptions,
  | "secret"
  | "secretFile"
  | "refreshInterval"
  | "providerTimeout"
  | "headerName"
  | "rejectionLogLimit"
  | "rejectionLogInterval"
  | "token"
  | "accept"
>;

/** Every option of {@link SharedSecretOptions}: another name is refused (a typo in JavaScript). */
export const OPTION_NAMES: readonly (keyof SharedSecretOptions)[] = Object.freeze([
  "secret",
  "secretFile",
  "refreshInterval",
  "providerTimeout",
  "headerName",
  "mode",
  "gateways",
  "rejectionLogLimit",
  "rejectionLogInterval",
  "requireSecret",
  "allowGatewayWithoutDoor",
  "token",
  "accept",
]);

/** The options of {@link SecretSourceOptions}: what a gateway component or the Express handler takes. */
export const SECRET_SOURCE_OPTION_NAMES: readonly (keyof SecretSourceOptions)[] = Object.freeze(
  OPTION_NAMES.filter(
    (name) => !["mode", "gateways", "requireSecret", "allowGatewayWithoutDoor"].includes(name),
  ),
) as readonly (keyof SecretSourceOptions)[];

/** Options after validation: what the guard reads on every call. */
export interface ResolvedOptions {
  /** The accepted secrets in force (`store.current`), refreshed as configured. */
  readonly store: SecretStore;
  /** Lower-cased header name. */
  readonly headerName: string;
  readonly mode: SharedSecretMode;
  readonly gateways: ReadonlySet<string>;
  readonly rejectionLogLimit: number;
  readonly rejectionLogInterval: number;
  readonly requireSecret: boolean;
  readonly allowGatewayWithoutDoor: boolean;
  readonly accept: SharedSecretAccept;
  /** The token check, when `accept` is `"token"` or `"either"`; null otherwise. */
  readonly tokens: TokenVerifier | null;
}

/**
 * Validates options once and prepares what the per-call path reads.
 * Throws a `TypeError` naming the bad option, or an unknown one (with the nearest known name).
 * Never modifies `options`.
 *
 * @param component - the factory the user called, named in the message about an unknown option
 */
export function resolveOptions(
  options: SharedSecretOptions = {},
  environment: NodeJS.ProcessEnv = process.env,
  component = "SharedSecretMiddleware",
): ResolvedOptions {
  if (options === null || typeof options !== "object") throw invalid("options", "an object");
  refuseUnknownOptions(component, options, OPTION_NAMES);
  if (options.token !== null && typeof options.token === "object") {
    refuseUnknownOptions(`"token" in ${component}`, options.token, TOKEN_OPTION_NAMES);
  }
  const { mode = "all", gateways = [] } = options;
  const name = headerName(
    options.headerName === undefined ? DEFAULT_HEADER_NAME : options.headerName,
    "headerName",
  );
  if (mode !== "all" && mode !== "opt-in") throw invalid("mode", '"all" or "opt-in"');
  if (!Array.isArray(gateways) || !gateways.every((g) => typeof g === "string" && g !== "")) {
    throw invalid("gateways", "an array of service names");
  }
  const rejectionLogLimit = integer(options.rejectionLogLimit, "rejectionLogLimit", 0, 10);
  const rejectionLogInterval = integer(options.rejectionLogInterval, "rejectionLogInterval", 100, 10000);
  const { requireSecret = false } = options;
  if (typeof requireSecret !== "boolean") throw invalid("requireSecret", "a boolean");
  const { allowGatewayWithoutDoor = false } = options;
  if (typeof allowGatewayWithoutDoor !== "boolean") throw invalid("allowGatewayWithoutDoor", "a boolean");
  const { token, accept = token === undefined ? "secret" : "token" } = options;
  if (accept !== "secret" && accept !== "token" && accept !== "either") {
    throw invalid("accept", '"secret", "token" or "either"');
  }
  if (accept !== "secret" && token === undefined) throw invalid("token", `set when "accept" is "${accept}"`);
  if (accept === "secret" && token !== undefined) {
    throw new TypeError('Shared secret: "token" is set but "accept" is "secret": use "token" or "either".');
  }
  if (accept === "token" && (options.secret !== undefined || options.secretFile !== undefined)) {
    throw new TypeError(
      'Shared secret: "accept" is "token", so no secret is accepted: remove "secret"/"secretFile", or accept "either".',
    );
  }
  const tokens = token === undefined ? null : new TokenVerifier(resolveTokenOptions(token));
  if (tokens !== null && tokens.options.headerName === name) {
    throw invalid("token.headerName", `a header other than the secret's ("${name}")`);
  }

  // Token-only: no secret is read, from the options or the environment.
  const store = storeFor(accept === "token" ? {} : options, accept === "token" ? {} : environment);
  if (accept === "either" && !store.configured) {
    throw invalid("accept", `"token" when no secret is configured ("either" accepts a secret or a token)`);
  }
  return Object.freeze({
    store,
    headerName: name,
    mode,
    gateways: new Set(gateways),
    rejectionLogLimit,
    rejectionLogInterval,
    requireSecret,
    allowGatewayWithoutDoor,
    accept,
    tokens,
  });
}
