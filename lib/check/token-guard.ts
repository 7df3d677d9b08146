/**
 * The action guard when the gateway's token is accepted (`accept: "token"` or `"either"`): the
 * token verified against the gateway's keys, and its verified claims put in `ctx.meta`.
 */
import type { ActionHandler, Context, Service } from "moleculer";
import type { ResolvedOptions } from "../options";
import { forwardedValue } from "../gateway/forward";
import { admitted, claimsOf, credentialOf, decide, outcomeOf } from "./credentials";
import type { CallerPolicy } from "./policy";
import { refuse } from "./refusal";
import { dropFrom, headersHolding } from "./scrub";
import type { Telemetry } from "./telemetry";

/** The value a call presents for header `name`: the door's, or its meta's. Never throws. */
function presented(ctx: Context, headers: Record<string, unknown> | undefined, name: string): unknown {
  const forwarded = forwardedValue(ctx, name);
  if (forwarded !== undefined) return forwarded;
  try {
    return headers?.[name];
  } catch {
    return Number.NaN;
  }
}

/**
 * The guard when tokens are accepted (`accept: "token"` or `"either"`): asynchronous, since a token
 * is verified against the gateway's keys. An admitted call finds the verified claims at
 * `ctx.meta[claimsKey]` (a call admitted by the secret finds nothing there, whatever the caller put).
 */
export function guardWithToken(
  handler: ActionHandler,
  actionName: string,
  options: ResolvedOptions,
  policy: CallerPolicy,
  telemetry: Telemetry,
): ActionHandler {
  const { headerName } = options;
  const tokenHeader = (options.tokens as NonNullable<ResolvedOptions["tokens"]>).options.headerName;
  const { claimsKey } = (options.tokens as NonNullable<ResolvedOptions["tokens"]>).options;

  return function sharedSecretTokenGuard(this: Service, ctx: Context) {
    const check = policy.mustCheck(ctx.caller, options.gateways);
    if (check === "no") return handler.call(this, ctx);
    const secretHeaders = headersHolding(ctx, headerName);
    const secret = presented(ctx, secretHeaders, headerName);
    if (secretHeaders !== undefined) dropFrom(ctx, secretHeaders, headerName);
    const tokenHeaders = headersHolding(ctx, tokenHeader);
    const token = presented(ctx, tokenHeaders, tokenHeader);
    if (tokenHeaders !== undefined) dropFrom(ctx, tokenHeaders, tokenHeader);

    return Promise.resolve(decide(secret, token, options)).then((decision) => {
      if (outcomeOf(decision) === "missing" && check === "unknown") decision = "unknown_caller";
      if (!admitted(decision)) return refuse(ctx, actionName, decision, options, telemetry);
      const meta = ctx.meta as Record<string, unknown>;
      const claims = claimsOf(decision);
      try {
        if (claims !== undefined) meta[claimsKey] = claims;
        else if (meta[claimsKey] !== undefined) delete meta[claimsKey];
      } catch {
        // a frozen meta from in-process code: refuse rather than let unverified claims through
        return refuse(ctx, actionName, "invalid", options, telemetry);
      }
      if (telemetry.counting !== false) {
        const label = typeof decision === "number" ? (options.store.current?.labels[decision] ?? "") : "";
        telemetry.count("accepted", label, actionName, credentialOf(decision));
      }
      return handler.call(this, ctx);
    });
  } as ActionHandler;
}
