/**
 * The decision on what a gateway presented, whichever credentials are accepted: the shared secret
 * (synchronous), the gateway's token (a promise), or either during a migration; and its answer.
 */
import {
  ERR_INVALID_TOKEN,
  ERR_NO_SECRET,
  ERR_NO_TOKEN,
  SharedSecretConfigurationError,
  SharedSecretError,
} from "../errors";
import type { ResolvedOptions } from "../options";
import type { Log } from "../secrets";
import type { GatewayClaims, TokenVerdict } from "../token/verifier";
import { admits, refusal, verifyValue, type Refusal, type Verdict } from "./verdict";

/** A decision: a secret's {@link Verdict}, or a token's. */
export type Decision = Verdict | TokenVerdict;

/** Which credential a decision is about: the metric's `credential` label. */
export type Credential = "secret" | "token";

/**
 * Decides on the presented `secret` and `token` (header values, possibly undefined). Synchronous
 * when only the secret is looked at; never rejects.
 */
export function decide(
  secret: unknown,
  token: unknown,
  options: ResolvedOptions,
): Decision | Promise<Decision> {
  const { accept, tokens } = options;
  if (accept === "secret" || tokens === null) return verifyValue(secret, options);
  if (accept === "either") {
    const verdict = verifyValue(secret, options);
    if (admits(verdict)) return verdict;
    // A wrong secret and no token is a wrong secret; nothing at all is nothing (secrets may be unset).
    if (token === undefined || token === "") return verdict === "invalid" ? verdict : "missing";
  }
  return tokens.verify(token);
}

/** Whether a decision admits the call. */
export function admitted(decision: Decision): boolean {
  return typeof decision === "number" || (typeof decision === "object" && "claims" in decision);
}

/** The verified claims, when a token admitted the call. */
export function claimsOf(decision: Decision): GatewayClaims | undefined {
  return typeof decision === "object" && "claims" in decision ? decision.claims : undefined;
}

/** The metric's `outcome` for a decision. */
export function outcomeOf(decision: Decision): Refusal | "accepted" {
  if (typeof decision === "number") return "accepted";
  if (typeof decision === "string") return decision;
  return "claims" in decision ? "accepted" : decision.refused;
}

/** What a decision is about: a token's verdict, or the secret's. */
export function credentialOf(decision: Decision): Credential {
  return typeof decision === "object" ? "token" : "secret";
}

/** The log's words for a refusal: its outcome, and a token's reason. */
export function describe(decision: Decision): string {
  return typeof decision === "object" && "refused" in decision
    ? `${decision.refused} token: ${decision.reason}`
    : outcomeOf(decision);
}

/** The error a refused decision answers with; built only when refusing. */
export function refusalFor(decision: Decision, options: ResolvedOptions): Error {
  if (typeof decision === "object") {
    if ("claims" in decision) throw new TypeError("not a refusal");
    if (decision.refused === "misconfigured") return new SharedSecretConfigurationError();
    return decision.refused === "missing"
      ? new SharedSecretError("No token provided", ERR_NO_TOKEN)
      : new SharedSecretError("Invalid token", ERR_INVALID_TOKEN);
  }
  if (decision === "missing" && options.accept === "either") {
    return new SharedSecretError("No secret or token provided", ERR_NO_SECRET);
  }
  return refusal(decision as Refusal);
}

/** Loads what the checks need (the secrets; the gateway's keys) and keeps it fresh. */
export async function startCredentials(options: ResolvedOptions, logger: Log): Promise<void> {
  // Token-only: the (empty) secret store has nothing to load or to complain about.
  const store = options.accept === "token" ? undefined : options.store.start(logger);
  await Promise.all([store, options.tokens?.start(logger)]);
}

/** Stops refreshing the secrets and keys (when the last user stops). */
export function stopCredentials(options: ResolvedOptions): void {
  if (options.accept !== "token") options.store.stop();
  options.tokens?.stop();
}
