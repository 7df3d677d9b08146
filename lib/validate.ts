/**
 * The shape of every option error: a `TypeError` that quotes the option and says what it must be,
 * and the rules several options share (integers, header names).
 */

/** `Shared secret: "<option>" option must be <must>.` */
export function invalid(option: string, must: string): TypeError {
  return new TypeError(`Shared secret: "${option}" option must be ${must}.`);
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
