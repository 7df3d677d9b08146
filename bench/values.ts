/** The header values the benchmark presents: secrets, near misses, and fresh copies of them. */
import { randomBytes } from "node:crypto";

/** A random hex secret of `length` characters (64 by default, as `openssl rand -hex 32` makes). */
export function makeSecret(length = 64): string {
  return randomBytes(Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length);
}

/** `value` with its last character changed: wrong, same length, all but the last character right. */
export function lastCharWrong(value: string): string {
  const last = value.charCodeAt(value.length - 1);
  return value.slice(0, -1) + String.fromCharCode(last === 0x61 ? 0x62 : 0x61);
}

/** Distinct flat string objects with the content of `value`: no cache keyed on identity helps. */
export function copies(value: string, count = 16): string[] {
  return Array.from({ length: count }, () => Buffer.from(value, "latin1").toString("latin1"));
}
