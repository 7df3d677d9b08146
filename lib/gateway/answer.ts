/**
 * The HTTP answer to a refused request, written by the front door and the Express handler alike:
 * the status and JSON body moleculer-web renders for the same error (`name`, `message`, `code`, `type`).
 */
import type { ServerResponse } from "node:http";
import { refusalFor, type Decision } from "../check/credentials";
import type { ResolvedOptions } from "../options";

/** Writes the answer to a check's refusal and ends the response. Never throws. */
export function writeRefusal(res: ServerResponse, decision: Decision, options: ResolvedOptions): void {
  const err = refusalFor(decision, options) as Error & { code: number; type: string };
  try {
    res.statusCode = err.code;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(JSON.stringify({ name: err.name, message: err.message, code: err.code, type: err.type }));
  } catch {
    // the client went away, or headers were already sent: nothing to answer
    res.destroy();
  }
}
