/**
 * The action guard: the wrapper that refuses a call (or passes it on without the header) before its
 * handler runs.
 */
import type { ActionHandler, Context, Service } from "moleculer";
import type { ResolvedOptions } from "../options";
import { announceChecked, doorPresents } from "../gateway/forward";
import type { CallerPolicy } from "./policy";
import { refuse } from "./refusal";
import { dropFrom, headersHolding } from "./scrub";
import type { Telemetry } from "./telemetry";
import { guardWithToken } from "./token-guard";
import { isProtected, type GuardedActionDef } from "./protection";
import { admits, verifyHeaders, verifyValue, type Verdict } from "./verdict";

export type { GuardedActionDef };

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
    const tokenHeader = options.tokens?.options.headerName;
    if (tokenHeader !== undefined) {
      const names = [headerName, tokenHeader];
      return function sharedSecretStripBoth(this: Service, ctx: Context) {
        if (policy.mustCheck(ctx.caller, options.gateways) !== "no") {
          for (const name of names) {
            const headers = headersHolding(ctx, name);
            if (headers !== undefined) dropFrom(ctx, headers, name);
          }
        }
        return handler.call(this, ctx);
      } as ActionHandler;
    }
    return function sharedSecretStrip(this: Service, ctx: Context) {
      const headers = headersHolding(ctx, headerName);
      if (headers !== undefined && policy.mustCheck(ctx.caller, options.gateways) !== "no") {
        dropFrom(ctx, headers, headerName);
      }
      return handler.call(this, ctx);
    } as ActionHandler;
  }
  // Published with the action: a gateway's node carries the credential only to actions that say so.
  announceChecked(action, checkedHeaderNames(options));
  const actionName = String(action.name);
  if (options.tokens !== null) return guardWithToken(handler, actionName, options, policy, telemetry);

  return function sharedSecretGuard(this: Service, ctx: Context) {
    const caller = ctx.caller;
    // An internal call (no caller): nothing to check, and no policy to ask.
    if (caller == null) return handler.call(this, ctx);
    const check = policy.mustCheck(caller, options.gateways);
    if (check === "no") return handler.call(this, ctx);
    const headers = headersHolding(ctx, headerName);
    // A local call from a request the gateway's door let in: the door's verdict when it decided
    // with these options, else the value it forwarded, verified; any other call, the header in its
    // meta (a remote call from a gateway node carries it there).
    const presented = doorPresents(ctx, options, headerName);
    let verdict: Verdict =
      typeof presented === "number"
        ? presented
        : presented !== undefined
          ? verifyValue(presented, options)
          : verifyHeaders(headers, options);
    if (verdict === "missing" && check === "unknown") verdict = "unknown_caller";
    // Whatever the outcome, this call and what it calls next no longer see the header.
    if (headers !== undefined) dropFrom(ctx, headers, headerName);
    let result: unknown;
    if (admits(verdict)) {
      if (telemetry.counting !== false) {
        telemetry.count("accepted", options.store.current?.labels[verdict] ?? "", actionName, "secret");
      }
      result = handler.call(this, ctx);
    } else {
      result = refuse(ctx, actionName, verdict, options, telemetry);
    }
    return result;
  } as ActionHandler;
}

/** The credential headers a protected action's guard reads, as it announces them. */
function checkedHeaderNames(options: ResolvedOptions): string[] {
  const token = options.tokens?.options.headerName;
  if (token === undefined) return [options.headerName];
  if (options.accept === "token") return [token];
  return options.accept === "either" ? [options.headerName, token] : [options.headerName];
}
