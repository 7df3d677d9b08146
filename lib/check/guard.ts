/**
 * The check itself: which actions are protected, the verdict on a presented value, and the wrapper
 * that refuses a call (or passes it on without the header) before its handler runs.
 */
import type { ActionHandler, Context, Service } from "moleculer";
import {
  ERR_INVALID_SECRET,
  ERR_NO_SECRET,
  SharedSecretCallerUnknownError,
  SharedSecretConfigurationError,
  SharedSecretError,
} from "../errors";
import type { ResolvedOptions } from "../options";
import type { CallerPolicy } from "./policy";
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
      if (headers !== undefined && policy.mustCheck(ctx.caller, options.gateways) !== "no") {
        dropFrom(ctx, headers, headerName);
      }
      return handler.call(this, ctx);
    } as ActionHandler;
  }
  const actionName = String(action.name);
  const { rejectionLogLimit, rejectionLogInterval } = options;

  return function sharedSecretGuard(this: Service, ctx: Context) {
    const check = policy.mustCheck(ctx.caller, options.gateways);
    if (check === "no") return handler.call(this, ctx);
    const headers = headersHolding(ctx, headerName);
    // A local call from a request the gateway's door let in presents the door's value; any other
    // call, the header in its meta (a remote call from a gateway node carries it there).
    const forwarded = forwardedValue(ctx, headerName);
    let verdict = forwarded !== undefined ? verifyValue(forwarded, options) : verifyHeaders(headers, options);
    if (verdict === "missing" && check === "unknown") verdict = "unknown_caller";
    // Whatever the outcome, this call and what it calls next no longer see the header.
    if (headers !== undefined) dropFrom(ctx, headers, headerName);
    let result: unknown;
    if (admits(verdict)) {
      if (telemetry.counting !== false) {
        telemetry.count("accepted", options.store.current?.labels[verdict] ?? "", actionName);
      }
      result = handler.call(this, ctx);
    } else {
      telemetry.count(verdict, "", actionName);
      // A misconfiguration is logged once by the store, not per request.
      if (verdict !== "misconfigured")
        telemetry.rejected(ctx, actionName, verdict, rejectionLogLimit, rejectionLogInterval);
      const err = refusal(verdict);
      traceRefusal(ctx, actionName, verdict, err);
      result = Promise.reject(err);
    }
    return result;
  } as ActionHandler;
}

type TracedContext = Context & {
  tracing?: boolean | null;
  level?: number;
  startSpan?(name: string, opts: object): { setError(err: Error): unknown };
  finishSpan?(span: unknown): void;
};

/**
 * The guard wraps outside Moleculer's Tracing middleware (so that nothing, the cacher included, runs
 * before it), so a refused call would leave no span: it gets one here, marked with the error, when
 * tracing is on. Its tags hold names, IDs and the verdict only, never meta or params.
 */
function traceRefusal(ctx: Context, action: string, verdict: Refusal, err: Error): void {
  const traced = ctx as TracedContext;
  try {
    if (!ctx.broker.isTracingEnabled() || typeof traced.startSpan !== "function") return;
    const span = traced.startSpan(`action '${action}'`, {
      id: ctx.id,
      type: "action",
      traceID: ctx.requestID,
      parentID: ctx.parentID,
      sampled: traced.tracing ?? undefined,
      tags: {
        action: { name: action },
        callingLevel: traced.level,
        callerNodeID: ctx.nodeID,
        requestID: ctx.requestID,
        sharedSecret: verdict,
      },
    });
    span.setError(err);
    traced.finishSpan?.(span);
  } catch {
    // tracing is best effort: the refusal stands whatever the tracer does
  }
}
