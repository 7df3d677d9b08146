/**
 * The gateway's public keys: a JWKS fetched at start and refreshed in the background (or given
 * statically), refetched on an unknown `kid` at most once per cooldown, and kept when a fetch fails.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Log } from "../secrets";
import { invalid } from "../validate";
import { FetchProblem, fetchJson } from "./fetch";
import type { KeySpec, ResolvedTokenOptions } from "./options";
import { keyUrl } from "./resolve";

/** Thrown by {@link KeySource.getKey} while no key set has loaded: the check fails closed. */
export class NoKeysError extends Error {
  constructor() {
    super("no gateway keys loaded");
    this.name = "NoKeysError";
  }
}

/**
 * Holds the key set in force. `getKey` is what `jose.jwtVerify` calls per token: it selects the key
 * by `kid`/`alg` from the set (jose's local JWKS), and on a miss refetches once, if the cooldown allows.
 */
export class KeySource {
  /** Increases whenever the key set changes (the verified-token cache keys on it). */
  version = 0;
  private local: ReturnType<typeof createLocalJWKSet> | null = null;
  private logger: Log | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** When a token's unknown `kid` last caused a fetch: background refreshes do not count. */
  private lastKidFetch = Number.NEGATIVE_INFINITY;
  private lastProblem: string | null = null;
  private starts = 0;

  constructor(
    private readonly spec: KeySpec,
    private readonly options: Pick<
      ResolvedTokenOptions,
      "jwksTimeout" | "jwksMaxBytes" | "jwksCooldown" | "jwksRefreshInterval"
    >,
  ) {
    if (spec.kind === "static") {
      try {
        this.install(spec.jwks);
      } catch {
        throw invalid("token.jwks", "a JWKS of public keys (jose could not read it)");
      }
    }
  }

  /** Whether a key set is loaded. */
  get ready(): boolean {
    return this.local !== null;
  }

  /** Where the keys come from, for log lines. */
  get description(): string {
    const { spec } = this;
    if (spec.kind === "static") return "static JWKS";
    return spec.kind === "url" ? `JWKS at ${spec.url.href}` : `OpenID configuration of ${spec.issuer.href}`;
  }

  /** Fetches the keys (awaited: the broker does not serve before), then refreshes them in the background. */
  async start(logger: Log): Promise<void> {
    this.logger ??= logger;
    if (this.starts++ > 0 || this.spec.kind === "static") return;
    await this.load();
    this.timer = setInterval(() => void this.load(), this.options.jwksRefreshInterval);
    this.timer.unref();
  }

  /** Stops the background refresh (when the last user stops). */
  stop(): void {
    if (--this.starts > 0) return;
    this.starts = 0;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** `jose.jwtVerify`'s key lookup. Throws {@link NoKeysError} while nothing is loaded. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (this.local === null) {
      await this.refetchIfAllowed();
      if (this.local === null) throw new NoKeysError();
    }
    try {
      return await this.local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !(await this.refetchIfAllowed())) throw err;
      return await this.local(header, token);
    }
  };

  /** One fetch for an unknown `kid` (shared by every token waiting), unless one ran within the cooldown. */
  private async refetchIfAllowed(): Promise<boolean> {
    if (this.spec.kind === "static") return false;
    if (this.inFlight === null) {
      // The cooldown bounds the fetches tokens cause; a background refresh just before the gateway
      // published its new key must not make that key wait for the cooldown.
      if (Date.now() - this.lastKidFetch < this.options.jwksCooldown) return false;
      this.lastKidFetch = Date.now();
    }
    const before = this.version;
    await this.load();
    return this.version !== before;
  }

  private load(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    const { spec, options } = this;
    try {
      let url: URL;
      if (spec.kind === "discover") {
        const config = await fetchJson(
          new URL(
            ".well-known/openid-configuration",
            spec.issuer.href.endsWith("/") ? spec.issuer : `${spec.issuer.href}/`,
          ),
          options.jwksTimeout,
          options.jwksMaxBytes,
        );
        try {
          url = keyUrl((config as { jwks_uri?: unknown } | null)?.jwks_uri, "jwks_uri");
        } catch {
          throw new FetchProblem("the OpenID configuration has no usable jwks_uri (an https: URL)");
        }
      } else if (spec.kind === "url") {
        url = spec.url;
      } else {
        return;
      }
      const jwks = await fetchJson(url, options.jwksTimeout, options.jwksMaxBytes);
      this.install(jwks as JSONWebKeySet);
      if (this.lastProblem !== null)
        this.logger?.info(`Shared secret: gateway keys loaded again from the ${this.description}.`);
      this.lastProblem = null;
    } catch (err) {
      const problem = err instanceof FetchProblem ? err.message : "the key set is not a valid JWKS";
      if (problem === this.lastProblem) return;
      this.lastProblem = problem;
      this.logger?.[this.local === null ? "error" : "warn"](
        `Shared secret: could not load the gateway keys from the ${this.description}: ${problem}; ` +
          (this.local === null
            ? "every token is refused with 500 until they load (fail closed)."
            : "the keys loaded before stay in force."),
      );
    }
  }

  /** Installs a JWKS (jose validates it); an unchanged set keeps the version. */
  private install(jwks: JSONWebKeySet): void {
    if (jwks === null || typeof jwks !== "object" || !Array.isArray(jwks.keys)) {
      throw new FetchProblem("the answer is not a JWKS (no keys array)");
    }
    const local = createLocalJWKSet(jwks);
    for (const key of jwks.keys) {
      // A private key in a published set is a gateway mistake; its public half is all we need.
      if (typeof (key as { d?: unknown }).d === "string" || (key as { kty?: unknown }).kty === "oct") {
        throw new FetchProblem("the key set holds a private or symmetric key");
      }
    }
    const fingerprint = JSON.stringify(jwks.keys);
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.local = local;
    this.version++;
  }

  private fingerprint: string | null = null;
}
