import type { ActionHandler, Context, Service } from "moleculer";
import {
  ERR_INVALID_SECRET,
  ERR_NO_SECRET,
  SharedSecretCallerUnknownError,
  SharedSecretConfigurationError,
  SharedSecretError,
} from "../errors";
import type { ResolvedOptions } from "../options";
import { UNKNOWN_CALLER, type CallerPolicy } from "./policy";
import { forwardedValue } from "../gateway/forward";
import { dropFrom, headersHolding } from "./scrub";
import type { CheckOutcome, Telemetry } from "./telemetry";

/** The parts of an action definition the guard reads at wrap time. */
export interface GuardedActionDef {
  name?: string;
  sharedSecret?: unknown;
  service?: { schema?: { sharedSecret?: unknown } } | null;
}

/**
 * Whether an action is protected: its own `sharedSecret` wins, then its service's, then the mode.
 */
export function isProtected(action: GuardedActionDef, mode: ResolvedOptions["mode"]): boolean {
  const service = action.service;
  // A typo in a plain-JS schema ("true", 1) must not leave an action silently open or closed.
  for (const [flag, where] of [
    [action.sharedSecret, `action '${String(action.name)}'`],
    [service?.schema?.sharedSecret, `the service of action '${String(action.name)}'`],
  ] as const) {
    if (flag !== undefined && typeof flag !== "boolean") {
      throw new TypeError(`Shared secret: "sharedSecret" of ${where} must be true or false.`);
    }
  }
  if (action.sharedSecret === false) return false;
  if (action.sharedSecret === true) return true;
  const serviceFlag = service?.schema?.sharedSecret;
  if (serviceFlag === false) return false;
  if (serviceFlag === true) return true;
  return mode === "all";
}

/** {@link verify}'s answer when no secret matched; otherwise it returns the matched secret's index. */
export const MISSING = -1;
/** @see MISSING */
export const INVALID = -2;
/** @see MISSING */
export const MISCONFIGURED = -3;
/** No header, from a caller no registry knows yet (see {@link UNKNOWN_CALLER}). */
export const CALLER_UNKNOWN = -4;

/**
 * Reads and verifies the header: the index of the accepted secret it matched, or {@link MISSING},
 * {@link INVALID}, {@link MISCONFIGURED}. Never throws: whatever a caller put in `ctx.meta`
 * (a Proxy included) ends as a refusal. Whatever the outcome, the header has done its job here and
 * must not travel on (nested calls, other nodes, response meta, traces): `ctx` gets its own copy of
 * the headers without it.
 */
export function verify(ctx: Context, options: ResolvedOptions): number {
  const headers = headersHolding(ctx, options.headerName);
  if (headers !== undefined) {
    const code = verifyHeaders(headers, options);
    dropFrom(ctx, headers, options.headerName);
    return code;
  }
  return verifyHeaders(undefined, options);
}

/**
 * {@link verify} for a headers object (`ctx.meta.headers`, or Node's `req.headers`), which it does
 * not change: the index of the matched secret, or a refusal code. Never throws.
 */
export function verifyHeaders(headers: unknown, options: ResolvedOptions): number {
  let value: unknown;
  try {
    const isObject = headers !== null && typeof headers === "object";
    value = isObject ? (headers as Record<string, unknown>)[options.headerName] : undefined;
  } catch {
    value = INVALID; // a Proxy or a throwing getter: not a string, so refused as invalid
  }
  return verifyValue(value, options);
}

/** {@link verifyHeaders} for the value itself (a header value, or one the door forwarded). Never throws. */
export function verifyValue(value: unknown, options: ResolvedOptions): number {
  let set = options.store.current;
  if (set !== null && set.nextExpiry !== Infinity && Date.now() >= set.nextExpiry) {
    set = options.store.prune();
  }
  if (set === null) return MISCONFIGURED;
  try {
    if (value === undefined || value === null || value === "") return MISSING;
    if (typeof value !== "string") return INVALID;
    const matched = set.match(value);
    return matched < 0 ? INVALID : matched;
  } catch {
    return INVALID;
  }
}

const OUTCOMES: Record<number, CheckOutcome> = {
  [MISSING]: "missing",
  [INVALID]: "invalid",
  [MISCONFIGURED]: "misconfigured",
  [CALLER_UNKNOWN]: "unknown_caller",
};

/** The error a refusal answers with; built only when refusing. */
export function refusal(code: number): Error {
  if (code === MISCONFIGURED) return new SharedSecretConfigurationError();
  if (code === CALLER_UNKNOWN) return new SharedSecretCallerUnknownError();
  if (code === MISSING) return new SharedSecretError("No secret provided", ERR_NO_SECRET);
  return new SharedSecretError("Invalid secret", ERR_INVALID_SECRET);
}

/**
 * Wraps an action handler with the check. An action that is not protected gets a pass-through that
 * only takes the header out of calls that carry it (the gateway's door forwards it into every call
 * it makes for a request; it must not ride along into the handler, nested calls, spans or response
 * meta); other calls go straight to the handler. The returned handler never throws synchronously:
 * a refusal is a rejected promise.
 */
export function guardAction(
  handler: ActionHandler,
  action: GuardedActionDef,
  options: ResolvedOptions,
  policy: CallerPolicy,
  telemetry: Telemetry,
): ActionHandler {
  const { headerName } = options;
  if (!isProtected(action, options.mode)) {
    return function sharedSecretStrip(this: Service, ctx: Context) {
      const headers = headersHolding(ctx, headerName);
      if (headers !== undefined && policy.mustCheck(ctx.caller, options.gateways)) {
        dropFrom(ctx, headers, headerName);
      }
      return handler.call(this, ctx);
    } as ActionHandler;
  }
  const actionName = String(action.name);
  const { rejectionLogLimit, rejectionLogInterval } = options;

  return function sharedSecretGuard(this: Service, ctx: Context) {
    const check = policy.mustCheck(ctx.caller, options.gateways);
    if (!check) return handler.call(this, ctx);
    const headers = headersHolding(ctx, headerName);
    // A local call from a request the gateway's door let in presents the door's value; any other
    // call, the header in its meta (a remote call from a gateway node carries it there).
    const forwarded = forwardedValue(ctx, headerName);
    let code = forwarded !== undefined ? verifyValue(forwarded, options) : verifyHeaders(headers, options);
    if (code === MISSING && check === UNKNOWN_CALLER) code = CALLER_UNKNOWN;
    // Whatever the outcome, this call and what it calls next no longer see the header.
    if (headers !== undefined) dropFrom(ctx, headers, headerName);
    let result: unknown;
    if (code >= 0) {
      if (telemetry.counting !== false) {
        telemetry.count("accepted", options.store.current?.labels[code] ?? "", actionName);
      }
      result = handler.call(this, ctx);
    } else {
      const outcome = OUTCOMES[code];
      telemetry.count(outcome, "", actionName);
      // A misconfiguration is logged once by the store, not per request.
      if (code !== MISCONFIGURED)
        telemetry.rejected(ctx, actionName, outcome, rejectionLogLimit, rejectionLogInterval);
      result = Promise.reject(refusal(code));
    }
    return result;
  } as ActionHandler;
}
