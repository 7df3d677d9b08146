/**
 * The one-time validation of the `token` options: presets applied, every value checked, errors naming
 * the option (`token.<name>`), and what the verifier reads per request prepared.
 */
import { headerName, integer, invalid, refuseUnknownOptions } from "../validate";
import {
  DEFAULT_CLAIMS_KEY,
  TOKEN_OPTION_NAMES,
  type KeySpec,
  type PinnedClaim,
  type ResolvedTokenOptions,
  type TokenOptions,
} from "./options";
import { applyPreset } from "./presets";

/** Public-key JWS algorithms (RFC 7518, RFC 8037). */
const PUBLIC_KEY_ALGORITHMS = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
]);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function strings(value: unknown, option: string, must: string): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === "string" && v !== "")) {
    throw invalid(option, must);
  }
  return [...list] as string[];
}

/** A URL the keys may be fetched from: https, or http to this machine; a TypeError naming `option` otherwise. */
export function keyUrl(value: unknown, option: string): URL {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  const ok =
    url !== undefined &&
    (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname)));
  if (!ok || url === undefined)
    throw invalid(option, "an https: URL (http: only to 127.0.0.1, localhost or [::1])");
  return url;
}

function keySpec(options: TokenOptions & { discover?: boolean }, issuer: string[]): KeySpec {
  const { jwksUrl, jwks } = options;
  if (jwksUrl !== undefined && jwks !== undefined) {
    throw new TypeError('Shared secret: set "token.jwksUrl" or "token.jwks", not both.');
  }
  if (jwks !== undefined) {
    if (jwks === null || typeof jwks !== "object" || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
      throw invalid("token.jwks", "a JWKS: an object with a non-empty `keys` array");
    }
    return { kind: "static", jwks };
  }
  if (jwksUrl !== undefined) return { kind: "url", url: keyUrl(jwksUrl, "token.jwksUrl") };
  if (options.discover === true) {
    if (issuer.length !== 1)
      throw invalid("token.issuer", "one issuer, whose OpenID configuration lists the keys");
    return { kind: "discover", issuer: keyUrl(issuer[0], "token.issuer") };
  }
  throw invalid("token.jwksUrl", 'set (or "token.jwks", or a "token.preset")');
}

function pinned(value: unknown): Array<readonly [string, PinnedClaim]> {
  if (value === undefined) return [];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid("token.claims", "an object of claim names to a string, number or boolean");
  }
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw invalid(`token.claims.${name}`, "a string, number or boolean");
    }
    return [name, v] as const;
  });
}

/**
 * Validates the `token` option once; throws a `TypeError` naming the bad option (`token.<name>`).
 * Never modifies `options`.
 */
export function resolveTokenOptions(options: unknown): ResolvedTokenOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw invalid("token", "an object");
  }
  refuseUnknownOptions('"token"', options, TOKEN_OPTION_NAMES);
  const filled = applyPreset(options as TokenOptions);
  const issuer = strings(filled.issuer, "token.issuer", "an issuer or a non-empty array of issuers");
  const audience = strings(
    filled.audience,
    "token.audience",
    "an audience or a non-empty array of audiences",
  );
  const algorithms = strings(
    filled.algorithms,
    "token.algorithms",
    'a non-empty array of algorithms, e.g. ["EdDSA"]',
  );
  for (const alg of algorithms) {
    if (!PUBLIC_KEY_ALGORITHMS.has(alg)) {
      throw invalid(
        "token.algorithms",
        `public-key algorithms only (RS*, PS*, ES*, EdDSA); "${alg}" is not one`,
      );
    }
  }
  const lower = headerName(
    filled.headerName === undefined ? "authorization" : filled.headerName,
    "token.headerName",
  );
  const { prefix = lower === "authorization" ? "Bearer " : "" } = filled;
  if (typeof prefix !== "string" || /[^\x21-\x7e ]/.test(prefix))
    throw invalid("token.prefix", "printable text");
  const { claimsKey = DEFAULT_CLAIMS_KEY } = filled;
  if (typeof claimsKey !== "string" || claimsKey === "" || claimsKey === "headers") {
    throw invalid("token.claimsKey", 'a ctx.meta key other than "headers"');
  }
  const maxTokenAge =
    filled.maxTokenAge === undefined ? undefined : integer(filled.maxTokenAge, "token.maxTokenAge", 1, 0);
  return Object.freeze({
    keys: keySpec(filled, issuer),
    issuer,
    audience,
    algorithms,
    headerName: lower,
    prefix,
    clockTolerance: integer(filled.clockTolerance, "token.clockTolerance", 0, 5),
    maxTokenAge,
    requiredClaims:
      filled.requiredClaims === undefined
        ? []
        : strings(filled.requiredClaims, "token.requiredClaims", "a non-empty array of claim names"),
    claims: pinned(filled.claims),
    claimsKey,
    maxTokenLength: integer(filled.maxTokenLength, "token.maxTokenLength", 64, 8192),
    jwksTimeout: integer(filled.jwksTimeout, "token.jwksTimeout", 1, 5000),
    jwksMaxBytes: integer(filled.jwksMaxBytes, "token.jwksMaxBytes", 1024, 262144),
    jwksCooldown: integer(filled.jwksCooldown, "token.jwksCooldown", 0, 30000),
    jwksRefreshInterval: integer(filled.jwksRefreshInterval, "token.jwksRefreshInterval", 1000, 600000),
    cacheSize: integer(filled.cacheSize, "token.cacheSize", 0, 1000),
  });
}
