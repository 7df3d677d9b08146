/**
 * The accepted secrets as a validated, frozen set: values, labels, expiries and their matcher.
 * Every source (options, environment, file, provider) ends here, so validation is said once.
 */
import { createSecretMatcher, type SecretMatcher } from "../check/compare";

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

function parseInstant(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Date.parse(value);
  return NaN;
}

/**
 * Validates secret inputs into a {@link SecretSet}; a repeated value is kept once. Throws a
 * `TypeError` naming `where` (an option, a variable, a file line) and never quoting a value.
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
    if (typeof spec.value !== "string" || !SECRET_VALUE.test(spec.value)) {
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

/** The part of `set` still valid at `now` (a new set, with its own matcher). */
export function unexpiredPart(set: SecretSet, now: number): SecretSet {
  const keep = set.notAfter.map((expiry) => expiry > now);
  return makeSet(
    set.values.filter((_, i) => keep[i]),
    set.labels.filter((_, i) => keep[i]),
    set.notAfter.filter((_, i) => keep[i]),
  );
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
