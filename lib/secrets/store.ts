/**
 * The store of the secret set in force: loads it from its {@link SecretLoader} at start, refreshes
 * it, drops expired secrets, and says each change of state once. The per-call path reads `current`.
 */
import { SecretLoadError, type SecretLoader } from "./loader";
import { unexpiredPart, type SecretSet } from "./set";

/** The logger methods used here (Moleculer 0.14 and 0.15 loggers both fit). */
export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Shorter secrets are accepted, with a warning at start-up. */
const MIN_RECOMMENDED_LENGTH = 32;

/**
 * Holds the secret set in force. `current` is `null` while no usable secret is configured: checked
 * calls are then refused with 500 (fail closed). Changes of state are logged once, not per request.
 * The constructor does no I/O: `current` is the loader's `initial` set until `start()` loads.
 */
export class SecretStore {
  /** The set in force, or null (misconfigured). Read on every checked call. */
  current: SecretSet | null;
  /**
   * Set by an owner that refuses to start when the first load finds no usable secret (the
   * middleware's `requireSecret`): that problem is then not logged here, where it would promise
   * 500s from a node about to exit; the owner says it once, from {@link currentProblem}. Problems found
   * later, while serving, are logged as usual.
   */
  refusesToStart = false;
  private logger: Log | null = null;
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private lastProblem: string | null = null;
  /** The set `load()` last answered: the same object again means the source is unchanged. */
  private loaded: SecretSet | null = null;
  /** The values whose short secrets were last warned about, so a refresh does not repeat it. */
  private warnedFor: string | null = null;
  private readonly expiredLogged = new Set<string>();
  private starts = 0;
  private refreshing = false;
  /** During the first load of a store whose owner refuses to start on a problem: say nothing. */
  private starting = false;

  /** @param loader - where the secrets come from; read at `start()` and on every refresh */
  constructor(private readonly loader: SecretLoader) {
    this.current = loader.initial;
  }

  /** Whether any secret source is configured (a static set, a file or a provider). */
  get configured(): boolean {
    return this.loader.initial !== null || this.loader.refreshInterval !== null;
  }

  /**
   * Why no secret is in force, in words safe to log (`cannot read the secret file /run/secrets/x
   * (error ENOENT)`, `no secret configured (set SHARED_SECRET, ...)`); null while secrets are in force.
   */
  get currentProblem(): string | null {
    return this.lastProblem;
  }

  /** Describes the source for start-up messages. */
  get description(): string {
    return this.loader.description;
  }

  /**
   * Loads the secrets, logs the state once and starts refreshing. Awaits the first load, so the
   * broker does not serve before it. Several brokers or services may share a store.
   */
  async start(logger: Log): Promise<void> {
    this.logger ??= logger;
    if (this.starts++ > 0) return;
    // Whatever was said before (another start) is said again now.
    this.lastProblem = this.loaded = this.warnedFor = null;
    this.starting = this.refusesToStart;
    try {
      await this.reload();
    } finally {
      this.starting = false;
    }
    const interval = this.loader.refreshInterval;
    if (interval !== null) {
      this.timer = setInterval(() => void this.refresh(), interval);
      this.timer.unref();
    }
    this.scheduleExpiry();
  }

  /** Stops the timers (when the last user stops). */
  stop(): void {
    if (--this.starts > 0) return;
    this.starts = 0;
    if (this.timer) clearInterval(this.timer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.timer = this.expiryTimer = null;
  }

  /**
   * Drops expired secrets now. The guard calls it when a call arrives past `nextExpiry`, so an
   * expired secret is refused from its expiry on, even if the timer is late.
   */
  prune(now: number = Date.now()): SecretSet | null {
    const set = this.current;
    if (set === null || now < set.nextExpiry) return set;
    set.labels.forEach((label, i) => {
      if (set.notAfter[i] <= now && !this.expiredLogged.has(label)) {
        this.expiredLogged.add(label);
        this.logger?.warn(
          `Shared secret: secret '${label}' expired at ${new Date(set.notAfter[i]).toISOString()}; it is refused from now on.`,
        );
      }
    });
    const next = unexpiredPart(set, now);
    this.current = next.values.length > 0 ? next : null;
    if (this.current === null) this.problem("every accepted secret has expired");
    this.scheduleExpiry();
    return this.current;
  }

  private async refresh(): Promise<void> {
    // One refresh at a time: a slow provider answer must not land after, and undo, a newer one.
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      await this.reload();
      this.scheduleExpiry();
    } finally {
      this.refreshing = false;
    }
  }

  private async reload(): Promise<void> {
    let set: SecretSet;
    try {
      set = await this.loader.load();
    } catch (err) {
      this.loaded = this.current = null;
      // Fail closed: only a SecretLoadError's message is known to be safe to log.
      return this.problem(err instanceof SecretLoadError ? err.message : "the secret source failed");
    }
    if (set === this.loaded) return; // unchanged source: nothing to say, expiries already applied
    this.loaded = set;
    const now = Date.now();
    // A set whose every secret has expired is no recovery: the problem stands, said once.
    if (this.lastProblem !== null && set.notAfter.some((expiry) => expiry > now)) {
      this.lastProblem = this.warnedFor = null; // a set back in force is checked again
      this.logger?.info(`Shared secret: secrets in force again from the ${this.description}.`);
    }
    this.current = set;
    this.warnShort(set);
    this.prune(now);
  }

  /** Warns, by label and never by value, about secrets shorter than recommended; once per set. */
  private warnShort(set: SecretSet): void {
    const key = set.values.join("\n");
    if (key === this.warnedFor) return;
    this.warnedFor = key;
    set.values.forEach((value, i) => {
      if (value.length < MIN_RECOMMENDED_LENGTH) {
        this.logger?.warn(
          `Shared secret: secret '${set.labels[i]}' is shorter than ${MIN_RECOMMENDED_LENGTH} characters; use a longer random value.`,
        );
      }
    });
  }

  private problem(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    if (this.starting) return;
    this.logger?.error(
      `Shared secret: ${problem}; every checked call is refused with 500 Server configuration error until it is fixed.`,
    );
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const next = this.current?.nextExpiry ?? Infinity;
    if (next === Infinity || this.starts === 0) return;
    const delay = Math.min(Math.max(next - Date.now(), 0) + 1, 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => this.prune(), delay);
    this.expiryTimer.unref();
  }
}
