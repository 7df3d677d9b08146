import type { ActionHandler, Context, Service } from "moleculer";
import { matchSecret } from "./compare";
import {
  ERR_INVALID_SECRET,
  ERR_NO_SECRET,
  SharedSecretConfigurationError,
  SharedSecretError,
} from "./errors";
import type { ResolvedOptions } from "./options";
import type { CallerPolicy } from "./policy";

/** The parts of an action definition the guard reads at wrap time. */
export interface GuardedActionDef {
  sharedSecret?: unknown;
  service?: { schema?: { sharedSecret?: unknown } } | null;
}

/**
 * Whether an action is protected: its own `sharedSecret` wins, then its service's, then the mode.
 */
export function isProtected(action: GuardedActionDef, mode: ResolvedOptions["mode"]): boolean {
  const service = action.service;
  if (action.sharedSecret === false) return false;
  if (action.sharedSecret === true) return true;
  const serviceFlag = service?.schema?.sharedSecret;
  if (serviceFlag === false) return false;
  if (serviceFlag === true) return true;
  return mode === "all";
}

/**
 * Reads and verifies the header. Returns null when accepted, the error to answer with otherwise.
 * Never throws: whatever a caller put in `ctx.meta` (a Proxy included) ends as a refusal.
 */
export function verify(ctx: Context, options: ResolvedOptions): Error | null {
  if (options.secrets.length === 0) return new SharedSecretConfigurationError();
  try {
    const headers = (ctx.meta as { headers?: unknown }).headers;
    const value =
      headers !== null && typeof headers === "object"
        ? (headers as Record<string, unknown>)[options.headerName]
        : undefined;
    if (value === undefined || value === null || value === "") {
      return new SharedSecretError("No secret provided", ERR_NO_SECRET);
    }
    if (typeof value !== "string" || matchSecret(value, options.secrets) < 0) {
      return new SharedSecretError("Invalid secret", ERR_INVALID_SECRET);
    }
    // Verified: the secret has done its job and must not travel on (nested calls, other nodes,
    // response meta, traces).
    delete (headers as Record<string, unknown>)[options.headerName];
    return null;
  } catch {
    return new SharedSecretError("Invalid secret", ERR_INVALID_SECRET);
  }
}

/**
 * Wraps an action handler with the check, or returns it unchanged when the action is not protected.
 * The returned handler never throws synchronously: a refusal is a rejected promise.
 */
export function guardAction(
  handler: ActionHandler,
  action: GuardedActionDef,
  options: ResolvedOptions,
  policy: CallerPolicy,
): ActionHandler {
  if (!isProtected(action, options.mode)) return handler;

  return function sharedSecretGuard(this: Service, ctx: Context) {
    if (!policy.mustCheck(ctx.caller, options.gateways)) return handler.call(this, ctx);
    const refusal = verify(ctx, options);
    if (refusal !== null) return Promise.reject(refusal);
    return handler.call(this, ctx);
  } as ActionHandler;
}
