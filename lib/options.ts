/**
 * Options of the middleware and the mixin: their types, defaults and one-time validation.
 */

/** Default name of the header the gateway adds. */
export const DEFAULT_HEADER_NAME = "x-shared-secret";
/** Environment variable read when no `secret` option is given. */
export const SECRET_ENV = "SHARED_SECRET";

/**
 * Which actions are protected.
 * - `"all"`: every action, except those or whose service say `sharedSecret: false`;
 * - `"opt-in"`: only actions or services that say `sharedSecret: true`.
 */
export type SharedSecretMode = "all" | "opt-in";

/**
 * Options of {@link SharedSecretMiddleware} and {@link SharedSecretMixin}.
 * The object is read once, at creation, and never modified.
 */
export interface SharedSecretOptions {
  /**
   * The accepted secret, or several during a rotation. Each must be printable ASCII
   * (spaces allowed inside, none at either end), since it travels in an HTTP header.
   * @defaultValue `process.env.SHARED_SECRET`, trimmed; when that is unset or blank, checked calls
   * are refused with `500 Server configuration error` (fail closed).
   */
  secret?: string | readonly string[];
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
}

/** Options after validation: what the guard reads on every call. */
export interface ResolvedOptions {
  /** The accepted secrets; empty when none is configured. */
  readonly secrets: readonly string[];
  /** Lower-cased header name. */
  readonly headerName: string;
  readonly mode: SharedSecretMode;
  readonly gateways: ReadonlySet<string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function invalid(option: string, must: string): TypeError {
  return new TypeError(`Shared secret: "${option}" option must be ${must}.`);
}

function checkSecret(value: unknown, option: string): string {
  if (typeof value !== "string" || !HEADER_VALUE.test(value)) {
    throw invalid(
      option,
      "a non-empty string of printable ASCII characters, with no white space at either end",
    );
  }
  return value;
}

function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const value = (env[SECRET_ENV] ?? "").trim();
  if (value === "") return [];
  return [checkSecret(value, SECRET_ENV)];
}

/**
 * Validates options once and prepares what the per-call path reads.
 * Throws a `TypeError` naming the bad option. Never modifies `options`.
 */
export function resolveOptions(
  options: SharedSecretOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  if (options === null || typeof options !== "object") throw invalid("options", "an object");
  const { secret, headerName = DEFAULT_HEADER_NAME, mode = "all", gateways = [] } = options;

  let secrets: string[];
  if (secret === undefined) {
    secrets = secretsFromEnv(env);
  } else if (Array.isArray(secret)) {
    if (secret.length === 0) throw invalid("secret", "a string or a non-empty array of strings");
    secrets = secret.map((s, i) => checkSecret(s, `secret[${i}]`));
  } else {
    secrets = [checkSecret(secret, "secret")];
  }

  if (typeof headerName !== "string" || !TOKEN.test(headerName)) {
    throw invalid("headerName", "a non-empty HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
  }
  if (mode !== "all" && mode !== "opt-in") throw invalid("mode", '"all" or "opt-in"');
  if (!Array.isArray(gateways) || !gateways.every((g) => typeof g === "string" && g !== "")) {
    throw invalid("gateways", "an array of service names");
  }

  return Object.freeze({
    secrets: Object.freeze([...new Set(secrets)]),
    headerName: headerName.toLowerCase(),
    mode,
    gateways: new Set(gateways),
  });
}
