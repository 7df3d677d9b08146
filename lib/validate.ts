/**
 * The shape of every option error: a `TypeError` that quotes the option and says what it must be,
 * and the rules several options share (integers, header names).
 */

import { inspect } from "node:util";

/**
 * A bad option: a `TypeError` whose `util.inspect` (what moleculer-runner prints after the message)
 * is its name only, so a configuration mistake reads as one line, without a stack trace.
 */
export class SharedSecretOptionError extends TypeError {
  [inspect.custom](): string {
    return "[TypeError]";
  }
}

/** `Shared secret: "<option>" option must be <must>.` */
export function invalid(option: string, must: string): TypeError {
  return new SharedSecretOptionError(`Shared secret: "${option}" option must be ${must}.`);
}

/** `value`, or `fallback` when undefined; an integer of at least `min`, or a TypeError naming `option`. */
export function integer(value: unknown, option: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw invalid(option, `an integer of at least ${min}`);
  }
  return value;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `value` as a lower-cased HTTP header name (an RFC 9110 token), or a TypeError naming `option`. */
export function headerName(value: unknown, option: string): string {
  if (typeof value !== "string" || !HEADER_NAME.test(value)) {
    throw invalid(option, "a non-empty HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
  }
  return value.toLowerCase();
}

/** The Levenshtein distance of two short strings (option names), for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known option closest to `name` (case-insensitively, within a third of its length), if any. */
export function nearest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Refuses an option `component` does not know (a typo in plain JavaScript would otherwise be ignored
 * silently): a TypeError naming it, with the nearest known option when there is one.
 * `Shared secret: unknown option "requireSecrets" of SharedSecretMiddleware; did you mean "requireSecret"?`
 */
export function refuseUnknownOptions(component: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const guess = nearest(key, known);
    throw new SharedSecretOptionError(
      `Shared secret: unknown option "${key}" of ${component}` +
        (guess === undefined ? `; known options: ${known.join(", ")}.` : `; did you mean "${guess}"?`),
    );
  }
}
