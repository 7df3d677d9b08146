/**
 * What a refused call leaves behind: a count, a rate-limited log line and a span marked with the
 * error, none holding a presented value; and the rejected promise the call answers with.
 */
import type { Context } from "moleculer";
import type { ResolvedOptions } from "../options";
import { credentialOf, describe, outcomeOf, refusalFor, type Decision } from "./credentials";
import type { Telemetry } from "./telemetry";
import type { Refusal } from "./verdict";

/** Counts, logs (rate-limited) and traces a refusal; the rejected promise the call answers with. */
export function refuse(
  ctx: Context,
  actionName: string,
  decision: Decision,
  options: ResolvedOptions,
  telemetry: Telemetry,
): Promise<never> {
  const outcome = outcomeOf(decision) as Refusal;
  telemetry.count(outcome, "", actionName, credentialOf(decision));
  // A misconfiguration is logged once by the store, not per request.
  if (outcome !== "misconfigured") {
    telemetry.rejected(
      ctx,
      actionName,
      describe(decision),
      options.rejectionLogLimit,
      options.rejectionLogInterval,
    );
  }
  const err = refusalFor(decision, options);
  traceRefusal(ctx, actionName, outcome, err);
  return Promise.reject(err);
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
