/**
 * Which actions are protected: an action's own `sharedSecret` flag, then its service's, then the
 * mode; a flag that is not a boolean is refused when the action is wrapped.
 */
import type { ResolvedOptions } from "../options";

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
