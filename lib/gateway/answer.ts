/**
 * The HTTP answer to a refused request, written by the front door and the Express handler alike:
 * the status and JSON body moleculer-web renders for the same error (`name`, `message`, `code`, `type`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { refusalFor, type Decision } from "../check/credentials";
import { SharedSecretUrlError } from "../errors";
import type { ResolvedOptions } from "../options";

/** Whether the request announced a body that has not all arrived (Node would read and drop the rest). */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete === true) return false;
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/**
 * Writes `err` as moleculer-web would and ends the response. A request whose body was not read
 * (the client may still be sending it) is answered with `Connection: close`, so the server does not
 * read and throw away the rest to keep the connection alive. Never throws.
 */
export function writeError(
  res: ServerResponse,
  err: Error & { code: number; type: string },
  req?: IncomingMessage,
): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = err.code;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    if (req !== undefined && bodyPending(req)) res.setHeader("Connection", "close");
    res.end(JSON.stringify({ name: err.name, message: err.message, code: err.code, type: err.type }));
  } catch {
    // the client went away: nothing to answer
    res.destroy();
  }
}

/** Writes the answer to a check's refusal and ends the response. Never throws. */
export function writeRefusal(
  res: ServerResponse,
  decision: Decision,
  options: ResolvedOptions,
  req?: IncomingMessage,
): void {
  writeError(res, refusalFor(decision, options) as Error & { code: number; type: string }, req);
}

/** Writes the 400 for a credential left in the URL. Never throws. */
export function writeUrlRefusal(res: ServerResponse, req: IncomingMessage): void {
  writeError(res, new SharedSecretUrlError() as Error & { code: number; type: string }, req);
}
