/**
 * The verdict on a presented secret: which accepted secret it matched, or why it was refused, and
 * the error a refusal answers with. Pure: no context, no I/O, never throws.
 */
import {
  ERR_INVALID_SECRET,
  ERR_NO_SECRET,
  SharedSecretCallerUnknownError,
  SharedSecretConfigurationError,
  SharedSecretError,
} from "../errors";
import type { ResolvedOptions } from "../options";
import type { CheckOutcome } from "./telemetry";

/**
 * Why a check refused: the same words as the metric's `outcome` label and the rejection log.
 * `unknown_caller`: no header, from a caller no registry knows yet (see the caller policy).
 */
export type Refusal = Exclude<CheckOutcome, "accepted">;

/** A check's verdict: the index of the accepted secret that matched, or why it refused. */
export type Verdict = number | Refusal;

/** Whether a verdict admits the call. */
export function admits(verdict: Verdict): verdict is number {
  return typeof verdict === "number";
}

/**
 * Verifies the header in a headers object (`ctx.meta.headers`, or Node's `req.headers`), which it
 * does not change. Never throws: whatever a caller put there (a Proxy included) ends as a refusal.
 */
export function verifyHeaders(headers: unknown, options: ResolvedOptions): Verdict {
  let value: unknown;
  try {
    const isObject = headers !== null && typeof headers === "object";
    value = isObject ? (headers as Record<string, unknown>)[options.headerName] : undefined;
  } catch {
    // A Proxy or a throwing getter: not a string, so refused as invalid (or misconfigured).
    return verifyValue(Number.NaN, options);
  }
  return verifyValue(value, options);
}

/** {@link verifyHeaders} for the value itself (a header value, or one the door forwarded). Never throws. */
export function verifyValue(value: unknown, options: ResolvedOptions): Verdict {
  let set = options.store.current;
  if (set !== null && set.nextExpiry !== Infinity && Date.now() >= set.nextExpiry) {
    set = options.store.prune();
  }
  if (set === null) return "misconfigured";
  try {
    if (value === undefined || value === null || value === "") return "missing";
    if (typeof value !== "string") return "invalid";
    const matched = set.match(value);
    return matched < 0 ? "invalid" : matched;
  } catch {
    return "invalid";
  }
}

/** The error a refusal answers with; built only when refusing. */
export function refusal(why: Refusal): Error {
  if (why === "misconfigured") return new SharedSecretConfigurationError();
  if (why === "unknown_caller") return new SharedSecretCallerUnknownError();
  if (why === "missing") return new SharedSecretError("No secret provided", ERR_NO_SECRET);
  return new SharedSecretError("Invalid secret", ERR_INVALID_SECRET);
}
