/**
 * The checks the benchmark compares: the library's own, two common alternatives, and a leaking
 * early-exit loop for the negative control. Each takes the presented value, answers true to accept.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { createSecretMatcher } from "./package";

export type Check = (value: string) => boolean;

/** The library's comparison as the guard uses it: the one place to change if the guard's changes. */
export function oursCheck(secrets: readonly string[]): Check {
  const match = createSecretMatcher(secrets);
  return function ours(value) {
    return match(value) >= 0;
  };
}

/** HMAC-SHA256 of both sides under a per-process key, then `timingSafeEqual`. */
export function hmacCheck(secret: string): Check {
  const key = randomBytes(32);
  return function hmacBothSides(value) {
    const a = createHmac("sha256", key).update(value).digest();
    const b = createHmac("sha256", key).update(secret).digest();
    return timingSafeEqual(a, b);
  };
}

/**
 * `Buffer.from` the presented value, length check, `timingSafeEqual` (the secret's Buffer is made
 * once). Constant time only for values of the secret's length: the length check returns early.
 */
export function bufferCheck(secret: string): Check {
  const expected = Buffer.from(secret);
  return function bufferFromTimingSafeEqual(value) {
    const presented = Buffer.from(value);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  };
}

/** Returns at the first differing character: the leak the negative control must catch. */
export function earlyExitCheck(secret: string): Check {
  return function earlyExit(value) {
    if (value.length !== secret.length) return false;
    for (let i = 0; i < secret.length; i++) {
      if (value.charCodeAt(i) !== secret.charCodeAt(i)) return false;
    }
    return true;
  };
}
