/**
 * Where the accepted secrets come from (options, environment, a mounted file, a provider function),
 * and the store that holds the set in force. The per-call path reads `store.current` and nothing else.
 */
import fs from "node:fs";
import { createSecretMatcher, type SecretMatcher } from "./compare";

/** The logger methods used here (Moleculer 0.14 and 0.15 loggers both fit). */
export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** One accepted secret, optionally named and with an expiry. */
export interface SecretSpec {
  /** The secret itself: printable ASCII, no white space. */
  value: string;
  /** Label reported in metrics and logs instead of the value. */
  name?: string;
  /** From this instant on, the secret is refused (`Invalid secret`) and its expiry logged once. */
  notAfter?: Date | string | number;
}

/** A secret as options accept it: the value alone, or a {@link SecretSpec}. */
export type SecretInput = string | SecretSpec;

/** A function returning the accepted secrets, e.g. from a vault. Called at start and on every refresh. */
export type SecretProvider = () =>
  SecretInput | readonly SecretInput[] | Promise<SecretInput | readonly SecretInput[]>;

/** The accepted secrets in force: values, their labels, and the earliest expiry among them. */
export interface SecretSet {
  readonly values: readonly string[];
  readonly labels: readonly string[];
  /** Expiry instants (ms since epoch), `Infinity` for none, aligned with `values`. */
  readonly notAfter: readonly number[];
  /** Earliest expiry, `Infinity` when no secret expires. */
  readonly nextExpiry: number;
  /** Constant-time matcher over `values`, prepared once per set: the index of the match, or -1. */
  readonly match: SecretMatcher;
}

/** Printable ASCII without white space: what a header carries intact through any gateway. */
const SECRET_VALUE = /^[\x21-\x7e]+$/;
const LABEL = /^[A-Za-z0-9_.:[\]\- ]{1,64}$/;
/** Shorter secrets are accepted, with a warning at start-up. */
export const MIN_RECOMMENDED_LENGTH = 32;

export function isValidSecretValue(value: unknown): value is string {
  return typeof value === "string" && SECRET_VALUE.test(value);
}

function parseInstant(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Date.parse(value);
  return NaN;
}

/**
 * Validates secret inputs into a {@link SecretSet}. Throws a `TypeError` naming `where` (an option,
 * a variable, a file line) and never quoting a value.
 */
export function buildSecretSet(
  inputs: readonly SecretInput[],
  where: (index: number) => string,
  defaultLabel: (index: number) => string,
): SecretSet {
  const values: string[] = [];
  const labels: string[] = [];
  const notAfter: number[] = [];
  inputs.forEach((input, i) => {
    const spec: SecretSpec =
      typeof input === "string"
        ? { value: input }
        : input !== null && typeof input === "object"
          ? input
          : { value: "" };
    if (!isValidSecretValue(spec.value)) {
      throw new TypeError(
        `Shared secret: ${where(i)} must be a non-empty string of printable ASCII characters without white space.`,
      );
    }
    if (spec.name !== undefined && (typeof spec.name !== "string" || !LABEL.test(spec.name))) {
      throw new TypeError(
        `Shared secret: ${where(i)} has a bad name (1-64 letters, digits, _ . : [ ] - or spaces).`,
      );
    }
    const expiry = spec.notAfter === undefined ? Infinity : parseInstant(spec.notAfter);
    if (Number.isNaN(expiry)) {
      throw new TypeError(`Shared secret: ${where(i)} has a notAfter that is not a date (use ISO 8601).`);
    }
    if (values.includes(spec.value)) return;
    values.push(spec.value);
    labels.push(spec.name ?? defaultLabel(i));
    notAfter.push(expiry);
  });
  return makeSet(values, labels, notAfter);
}

function makeSet(values: string[], labels: string[], notAfter: number[]): SecretSet {
  return Object.freeze({
    values: Object.freeze(values),
    labels: Object.freeze(labels),
    notAfter: Object.freeze(notAfter),
    nextExpiry: Math.min(Infinity, ...notAfter),
    match: createSecretMatcher(values),
  });
}

/**
 * Parses a secret file: one secret per line; blank lines, surrounding white space and lines starting
 * with `#` are ignored. After the secret, optional `name=<label>` and `notAfter=<ISO 8601>` fields,
 * separated by white space. A secret has no white space, so it cannot be confused with a field.
 *
 * @example
 * ```text
 * 3f1c...e9   name=current
 * 77ab...01   name=previous notAfter=2026-12-01T00:00:00Z
 * ```
 */
export function parseSecretFile(text: string): SecretSet {
  const specs: SecretSpec[] = [];
  const lineOf: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [value, ...fields] = line.split(/\s+/);
    const spec: SecretSpec = { value };
    for (const field of fields) {
      const eq = field.indexOf("=");
      const key = eq > 0 ? field.slice(0, eq) : "";
      const fieldValue = field.slice(eq + 1);
      if (key === "name") spec.name = fieldValue;
      else if (key === "notAfter") spec.notAfter = fieldValue;
      else {
        // Never quote the field: it may be a second secret pasted on the same line.
        throw new TypeError(
          `Shared secret: line ${index + 1} of the secret file has an unknown field (expected name= or notAfter=).`,
        );
      }
    }
    specs.push(spec);
    lineOf.push(index + 1);
  });
  if (specs.length === 0) throw new TypeError("Shared secret: the secret file holds no secret.");
  return buildSecretSet(
    specs,
    (i) => `line ${lineOf[i]} of the secret file`,
    (i) => `line ${lineOf[i]}`,
  );
}

/** How a {@link SecretStore} gets its set. */
export type SecretSource =
  | { kind: "static"; set: SecretSet | null }
  | { kind: "file"; path: string; refreshInterval: number }
  | { kind: "provider"; provider: SecretProvider; refreshInterval: number; timeout: number };

function errorMessage(err: unknown): string {
  // Only our own TypeErrors and file-system codes: never an arbitrary message that might quote data.
  if (err instanceof TypeError && err.message.startsWith("Shared secret:")) return err.message;
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" ? `error ${code}` : "the provider failed";
}

/**
 * Holds the secret set in force. `current` is `null` while no usable secret is configured: checked
 * calls are then refused with 500 (fail closed). Changes of state are logged once, not per request.
 */
export class SecretStore {
  /** The set in force, or null (misconfigured). Read on every checked call. */
  current: SecretSet | null = null;
  private logger: Log | null = null;
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private lastProblem: string | null = null;
  private lastText: string | null = null;
  private readonly expiredLogged = new Set<string>();
  private starts = 0;
  private refreshing = false;

  /**
   * @param source - where the secrets come from
   * @param missing - what to say when a static source holds no secret (names the settings to use)
   */
  constructor(
    private readonly source: SecretSource,
    private readonly missing = "no secret configured",
  ) {
    if (source.kind === "static") this.current = source.set;
    if (source.kind === "file") this.readFileSync();
  }

  /** Describes the source for start-up messages. */
  get description(): string {
    return this.source.kind === "file" ? `file ${this.source.path}` : this.source.kind;
  }

  /**
   * Starts refreshing (file, provider) and logs the state once. Awaits the provider's first answer,
   * so the broker does not serve before it. Several brokers or services may share a store.
   */
  async start(logger: Log): Promise<void> {
    this.logger ??= logger;
    if (this.starts++ > 0) return;
    this.lastProblem = null; // whatever happened before there was a logger is said now
    this.lastText = null;
    if (this.source.kind === "provider") await this.refreshProvider();
    if (this.source.kind === "file") this.readFileSync();
    if (this.source.kind === "static" && this.current === null) this.problem(this.missing);
    this.warnShort();
    if (this.source.kind !== "static") {
      const interval = this.source.refreshInterval;
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
    const keep = set.values.map((_, i) => set.notAfter[i] > now);
    set.labels.forEach((label, i) => {
      if (!keep[i] && !this.expiredLogged.has(label)) {
        this.expiredLogged.add(label);
        this.logger?.warn(
          `Shared secret: secret '${label}' expired at ${new Date(set.notAfter[i]).toISOString()}; it is refused from now on.`,
        );
      }
    });
    const next = makeSet(
      set.values.filter((_, i) => keep[i]),
      set.labels.filter((_, i) => keep[i]),
      set.notAfter.filter((_, i) => keep[i]),
    );
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
      if (this.source.kind === "file") this.readFileSync();
      else if (this.source.kind === "provider") await this.refreshProvider();
      this.scheduleExpiry();
    } finally {
      this.refreshing = false;
    }
  }

  private readFileSync(): void {
    if (this.source.kind !== "file") return;
    let text: string;
    try {
      // readFileSync follows symlinks: a Kubernetes-style swap of `..data` is read like a rewrite.
      text = fs.readFileSync(this.source.path, "utf8");
    } catch (err) {
      this.lastText = null;
      return this.fail(`cannot read the secret file ${this.source.path} (${errorMessage(err)})`);
    }
    if (text === this.lastText && this.current !== null) return;
    this.lastText = text;
    try {
      this.accept(parseSecretFile(text));
    } catch (err) {
      this.fail(`the secret file ${this.source.path} is not usable: ${errorMessage(err)}`);
    }
  }

  private async refreshProvider(): Promise<void> {
    if (this.source.kind !== "provider") return;
    const { provider, timeout } = this.source;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(provider),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
            timeout,
          );
        }),
      ]);
      const list = Array.isArray(result) ? (result as readonly SecretInput[]) : [result as SecretInput];
      if (list.length === 0) throw new TypeError("Shared secret: the provider returned no secret.");
      this.accept(
        buildSecretSet(
          list,
          (i) => `secret ${i} from the provider`,
          (i) => `provider[${i}]`,
        ),
      );
    } catch (err) {
      this.fail(`the secret provider failed (${errorMessage(err)})`);
    } finally {
      clearTimeout(timer);
    }
  }

  private accept(set: SecretSet): void {
    this.recovered();
    const changed = this.current === null || this.current.values.join("\n") !== set.values.join("\n");
    this.current = set;
    if (changed && this.logger) this.warnShort();
    this.prune();
  }

  /** Warns, by label and never by value, about secrets shorter than recommended. */
  private warnShort(): void {
    const set = this.current;
    if (set === null) return;
    set.values.forEach((value, i) => {
      if (value.length < MIN_RECOMMENDED_LENGTH) {
        this.logger?.warn(
          `Shared secret: secret '${set.labels[i]}' is shorter than ${MIN_RECOMMENDED_LENGTH} characters; use a longer random value.`,
        );
      }
    });
  }

  private fail(problem: string): void {
    this.current = null;
    this.problem(problem);
  }

  private problem(problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    this.logger?.error(
      `Shared secret: ${problem}; every checked call is refused with 500 Server configuration error until it is fixed.`,
    );
  }

  /** Logs recovery, once. */
  private recovered(): void {
    if (this.lastProblem === null) return;
    this.lastProblem = null;
    this.logger?.info(`Shared secret: secrets in force again from the ${this.description}.`);
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
