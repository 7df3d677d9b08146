/**
 * What the guard reports: a counter in Moleculer's metric registry (so any reporter shows it) and
 * rate-limited `warn` lines for rejections. Neither ever carries a presented value or a secret.
 */
import type { Context, ServiceBroker } from "moleculer";
import type { Log } from "../secrets";

/** Name of the counter of checks, labelled `outcome`, `secret` and `action`. */
export const CHECKS_METRIC = "shared_secret.checks.total";

/** The outcome of one check, as the metric's `outcome` label says it. */
export type CheckOutcome = "accepted" | "missing" | "invalid" | "misconfigured" | "unknown_caller";

interface Counter {
  increment(labels: Record<string, string>, value?: number): unknown;
}

/** Per-broker reporting, shared by the middleware and the mixin. */
export interface Telemetry {
  readonly logger: Log;
  /**
   * `false` when {@link Telemetry.count} counts nothing (metrics are off), so callers skip building
   * its labels; absent means it may count.
   */
  readonly counting?: boolean;
  /**
   * Counts a check; `secret` is the matched secret's label ("" when none matched), `credential`
   * what it was about (`"secret"`, or `"token"` for the gateway's signed token).
   */
  count(outcome: CheckOutcome, secret: string, action: string, credential: "secret" | "token"): void;
  /**
   * Logs a refused call (rate-limited): action, request ID, caller and `why` (the outcome, and for a
   * token a reason naming no value) only.
   */
  rejected(ctx: Context, action: string, why: string, limit: number, interval: number): void;
  /** Logs a request refused at a gateway's door (rate-limited); `what` is built from safe parts only. */
  rejectedRequest(what: string, requestID: unknown, limit: number, interval: number): void;
}

/** Request IDs come from a client header (`x-request-id`): keep them short and printable. */
function printable(value: unknown): string {
  return String(value)
    .slice(0, 64)
    .replace(/[^\x20-\x7e]/g, "?");
}

/** Whether a client gave the value: a request without the header has none to print. */
function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/**
 * A rate-limited `warn` for refusals: at most `limit` lines per `interval` ms, then one line saying
 * how many more were refused. One window for all callers: bounded state, whatever they send.
 * `what` must be built from safe parts only; `requestID` (client-controlled) is made printable here,
 * and left out of the line when there is none.
 */
export function createRejectionLog(
  logger: Log,
): (what: string, requestID: unknown, limit: number, interval: number) => void {
  let windowEnd = 0;
  let logged = 0;
  let dropped = 0;
  let flushTimer: NodeJS.Timeout | null = null;
  const flush = () => {
    flushTimer = null;
    if (dropped > 0) {
      logger.warn(
        `Shared secret: ${dropped} more refused call(s) not logged in the last window (rate limit).`,
      );
    }
    dropped = 0;
  };
  return function logRejection(what, requestID, limit, interval) {
    const now = Date.now();
    if (now >= windowEnd) {
      windowEnd = now + interval;
      logged = 0;
    }
    if (logged < limit) {
      logged++;
      const request = given(requestID) ? `, request ${printable(requestID)}` : "";
      logger.warn(`Shared secret: refused ${what}${request}.`);
      return;
    }
    dropped++;
    if (flushTimer === null) {
      flushTimer = setTimeout(flush, Math.max(windowEnd - now, 0));
      flushTimer.unref();
    }
  };
}

/** The telemetry of one component (middleware, mixin, door) on `broker`: its own rejection-log window. */
export function createTelemetry(broker: ServiceBroker): Telemetry {
  const logger = broker.getLogger("shared-secret");
  let counter: Counter | null = null;
  if (broker.isMetricsEnabled()) {
    counter =
      (broker.metrics.getMetric(CHECKS_METRIC) as Counter | null) ??
      (broker.metrics.register({
        name: CHECKS_METRIC,
        type: "counter",
        labelNames: ["outcome", "secret", "action", "credential"],
        description:
          "Shared-secret checks of gateway calls, by outcome, matched secret (label, never value) and credential (secret or token)",
      }) as Counter | null);
  }

  const rejected = createRejectionLog(logger);

  return {
    logger,
    counting: counter !== null,
    count(outcome, secret, action, credential) {
      if (counter !== null) counter.increment({ outcome, secret, action, credential });
    },
    rejected(ctx, action, why, limit, interval) {
      const from = given(ctx.caller) ? ` from '${printable(ctx.caller)}'` : "";
      rejected(`call to '${action}' (${why})${from}`, ctx.requestID, limit, interval);
    },
    rejectedRequest: rejected,
  };
}
