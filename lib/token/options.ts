/**
 * Options of the gateway-token check (`token` in the middleware's options): their types and defaults
 * (validated in `resolve.ts`).
 */
import type { JSONWebKeySet } from "jose";
import type { TokenPreset } from "./presets";

export type { TokenPreset };

/** A value a pinned claim must equal exactly. */
export type PinnedClaim = string | number | boolean;

/** Default `ctx.meta` key of the verified claims. */
export const DEFAULT_CLAIMS_KEY = "gatewayClaims";

/**
 * How the gateway's signed JWT is verified. Give `preset`, or the keys (`jwksUrl` or `jwks`),
 * `issuer`, `audience` and `algorithms` yourself. Read once, at creation.
 */
export interface TokenOptions {
  /**
   * A gateway whose documented values fill in what you leave out: `"zuplo-upstream-jwt"` (needs
   * `issuer`, your Zuplo API's URL, and `audience`), `"zuplo-identity-token"` (needs `audience` and
   * `claims: { account, project }`), `"cloudflare-access"` (needs `team` and `audience`, the AUD tag).
   */
  preset?: TokenPreset;
  /** The gateway's JWKS URL: `https:` (plain `http:` only to a loopback address). */
  jwksUrl?: string;
  /** The gateway's public keys, as a JWKS (`{ keys: [...] }`), instead of a URL. */
  jwks?: JSONWebKeySet;
  /** The accepted `iss` (one or several). Required. */
  issuer?: string | readonly string[];
  /** The accepted `aud` (one or several); a token must name one of them. Required. */
  audience?: string | readonly string[];
  /**
   * The accepted signature algorithms, e.g. `["EdDSA"]` or `["RS256"]`. Required (a preset sets
   * it); only public-key algorithms: `HS*` and `none` are refused.
   */
  algorithms?: readonly string[];
  /**
   * The header carrying the token (case-insensitive).
   * @defaultValue `"authorization"`
   */
  headerName?: string;
  /**
   * What precedes the token in the header (its scheme compared case-insensitively).
   * @defaultValue `"Bearer "` for `authorization`, `""` for any other header
   */
  prefix?: string;
  /**
   * Seconds of clock skew tolerated on `exp`, `nbf` and `iat`: a token whose `iat` is later than now
   * plus this is refused, with or without `maxTokenAge`.
   * @defaultValue `5`
   */
  clockTolerance?: number;
  /** Oldest accepted token, in seconds since its `iat` (which it must then have). */
  maxTokenAge?: number;
  /** Claims a token must have, e.g. `["sub"]`. */
  requiredClaims?: readonly string[];
  /** Claims pinned to exact values, e.g. Zuplo's `{ account: "my-account", project: "my-project" }`. */
  claims?: Readonly<Record<string, PinnedClaim>>;
  /** Your Cloudflare Zero Trust team name (preset `"cloudflare-access"`). */
  team?: string;
  /**
   * The `ctx.meta` key where the verified claims (never the token) reach the action.
   * @defaultValue `"gatewayClaims"`
   */
  claimsKey?: string;
  /**
   * Longest accepted header value, in bytes: a longer one is refused before it is parsed.
   * @defaultValue `8192`
   */
  maxTokenLength?: number;
  /**
   * How long, in ms, a JWKS (or OpenID configuration) fetch may take.
   * @defaultValue `5000`
   */
  jwksTimeout?: number;
  /**
   * Largest accepted JWKS (or OpenID configuration) response, in bytes.
   * @defaultValue `262144` (256 KiB)
   */
  jwksMaxBytes?: number;
  /**
   * Least time, in ms, between two fetches caused by tokens naming an unknown `kid`: a flood of
   * random `kid`s is at most one fetch per cooldown.
   * @defaultValue `30000`
   */
  jwksCooldown?: number;
  /**
   * How often, in ms, the JWKS is fetched again in the background (keys that fail to load keep the
   * last good set).
   * @defaultValue `600000` (10 minutes)
   */
  jwksRefreshInterval?: number;
  /**
   * Size of the cache of verified tokens (keyed by the whole token, each entry dropped at the
   * token's expiry or when the keys change); `0` turns it off.
   * @defaultValue `1000`
   */
  cacheSize?: number;
}

/** Every option of {@link TokenOptions}: another name is refused (a typo in JavaScript). */
export const TOKEN_OPTION_NAMES: readonly (keyof TokenOptions)[] = Object.freeze([
  "preset",
  "jwksUrl",
  "jwks",
  "issuer",
  "audience",
  "algorithms",
  "headerName",
  "prefix",
  "clockTolerance",
  "maxTokenAge",
  "requiredClaims",
  "claims",
  "team",
  "claimsKey",
  "maxTokenLength",
  "jwksTimeout",
  "jwksMaxBytes",
  "jwksCooldown",
  "jwksRefreshInterval",
  "cacheSize",
]);

/** Where the keys come from, after validation. */
export type KeySpec =
  | { readonly kind: "url"; readonly url: URL }
  | { readonly kind: "discover"; readonly issuer: URL }
  | { readonly kind: "static"; readonly jwks: JSONWebKeySet };

/** Token options after validation: what the verifier reads. */
export interface ResolvedTokenOptions {
  readonly keys: KeySpec;
  readonly issuer: string[];
  readonly audience: string[];
  readonly algorithms: string[];
  /** Lower-cased. */
  readonly headerName: string;
  readonly prefix: string;
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
  readonly requiredClaims: string[];
  readonly claims: ReadonlyArray<readonly [string, PinnedClaim]>;
  readonly claimsKey: string;
  readonly maxTokenLength: number;
  readonly jwksTimeout: number;
  readonly jwksMaxBytes: number;
  readonly jwksCooldown: number;
  readonly jwksRefreshInterval: number;
  readonly cacheSize: number;
}
