/**
 * Verifying a presented gateway token with `jose`: size and prefix first, then signature, issuer,
 * audience, times and claims; the verdict names a safe reason, and verified tokens are cached.
 */
import { errors, jwtVerify, type JWTPayload } from "jose";
import type { Log } from "../secrets";
import { KeySource, NoKeysError } from "./keys";
import type { ResolvedTokenOptions } from "./options";

/** The verified claims of a gateway token, as the action reads them in `ctx.meta` (deeply frozen). */
export type GatewayClaims = Readonly<JWTPayload> & { readonly [claim: string]: unknown };

/** A token that passed every check. */
export interface VerifiedToken {
  readonly claims: GatewayClaims;
}

/** A token that did not: the outcome (the metric's label) and why, in words safe to log. */
export interface RefusedToken {
  readonly refused: "missing" | "invalid" | "misconfigured";
  readonly reason: string;
}

/** The verdict on a presented token. */
export type TokenVerdict = VerifiedToken | RefusedToken;

const MISSING: RefusedToken = Object.freeze({ refused: "missing", reason: "no token" });

function invalid(reason: string): RefusedToken {
  return { refused: "invalid", reason };
}

const IAT_IN_FUTURE: RefusedToken = Object.freeze(invalid("iat in the future"));

/** jose's error, as a reason naming no value the token holds. */
function reasonFor(err: unknown): RefusedToken {
  if (err instanceof NoKeysError) return { refused: "misconfigured", reason: "no gateway keys loaded" };
  if (err instanceof errors.JWTExpired) return invalid("token expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    // With `maxTokenAge`, jose itself refuses a future `iat`: the same reason as our own check.
    if (err.claim === "iat" && err.reason === "check_failed") return IAT_IN_FUTURE;
    // `claim` is one of the claims jose or our options check, never a name the token chose.
    return invalid(`claim ${err.claim} ${err.reason === "missing" ? "missing" : "rejected"}`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return invalid("algorithm not allowed");
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid("bad signature");
  if (err instanceof errors.JWKSNoMatchingKey) return invalid("no gateway key matches its kid and alg");
  if (err instanceof errors.JWKSMultipleMatchingKeys) return invalid("several gateway keys match, no kid");
  if (err instanceof errors.JOSENotSupported) return invalid("unsupported algorithm or header");
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return invalid("malformed token");
  return invalid("unreadable token");
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

interface CacheEntry {
  readonly verdict: VerifiedToken;
  /** Epoch ms from which the entry is stale: the token's expiry (or its maximum age). */
  readonly until: number;
  readonly keys: number;
}

/**
 * The token check of one configuration. `verify` never throws and never rejects: every input ends
 * in a verdict. The token is never logged or kept, except as a cache key while it is valid.
 */
export class TokenVerifier {
  readonly keys: KeySource;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly prefix: string;
  private readonly verifyOptions: Parameters<typeof jwtVerify>[2];

  constructor(readonly options: ResolvedTokenOptions) {
    this.keys = new KeySource(options.keys, options);
    this.prefix = options.prefix.toLowerCase();
    this.verifyOptions = {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: options.algorithms,
      clockTolerance: options.clockTolerance,
      maxTokenAge: options.maxTokenAge,
      // A token without an expiry would never die: `exp` is always required.
      requiredClaims: [...new Set(["exp", ...options.requiredClaims])],
    };
  }

  /** Loads the keys (awaited at start-up) and keeps them fresh. */
  start(logger: Log): Promise<void> {
    return this.keys.start(logger);
  }

  /** Stops refreshing the keys. */
  stop(): void {
    this.keys.stop();
    this.cache.clear();
  }

  /** The verdict on a header value (with its prefix). Never rejects. */
  async verify(value: unknown): Promise<TokenVerdict> {
    if (value === undefined || value === null || value === "") return MISSING;
    if (typeof value !== "string") return invalid("header sent more than once");
    const { options } = this;
    if (value.length > options.maxTokenLength) return invalid("token too large");
    const { prefix } = this;
    if (prefix !== "" && value.slice(0, prefix.length).toLowerCase() !== prefix) {
      return invalid(`no "${options.prefix.trim()}" prefix`);
    }
    const token = value.slice(prefix.length);
    if (token === "") return MISSING;

    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      if (cached.until > now && cached.keys === this.keys.version) return cached.verdict;
      this.cache.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.getKey, this.verifyOptions));
    } catch (err) {
      return reasonFor(err);
    }
    // jose checks `iat` against the clock only with `maxTokenAge`; a token issued in the future is
    // refused without it too. jose has made `iat`, when present, a number. No cached entry needs this
    // check again: a token passes it once and only ever further in the past.
    if (typeof payload.iat === "number" && payload.iat > Math.floor(now / 1000) + options.clockTolerance) {
      return IAT_IN_FUTURE;
    }
    for (const [name, expected] of options.claims) {
      if (payload[name] !== expected) return invalid(`claim ${name} rejected`);
    }
    const verdict: VerifiedToken = Object.freeze({ claims: deepFreeze(payload) as GatewayClaims });
    this.remember(token, verdict, payload);
    return verdict;
  }

  private remember(token: string, verdict: VerifiedToken, payload: JWTPayload): void {
    const { cacheSize, maxTokenAge } = this.options;
    if (cacheSize === 0) return;
    let until = (payload.exp as number) * 1000;
    if (maxTokenAge !== undefined && typeof payload.iat === "number") {
      until = Math.min(until, (payload.iat + maxTokenAge) * 1000);
    }
    if (this.cache.size >= cacheSize) {
      // Oldest first (a Map keeps insertion order): bounded whatever tokens arrive.
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { verdict, until, keys: this.keys.version });
  }
}
