/**
 * The check for Express and other connect-style servers: `sharedSecretHandler()`, with the
 * middleware's options and answers, for origins that are not Moleculer.
 */
import { startCredentials, stopCredentials } from "../check/credentials";
import type { IncomingMessage, ServerResponse } from "node:http";
import { writeRefusal } from "../gateway/answer";
import { removeHeader, singleHeader } from "../gateway/request";
import { admitted, claimsOf, decide, describe, outcomeOf, type Decision } from "../check/credentials";
import { resolveOptions, SECRET_SOURCE_OPTION_NAMES, type SecretSourceOptions } from "../options";
import type { Log } from "../secrets";
import { createRejectionLog } from "../check/telemetry";
import { invalid, refuseUnknownOptions } from "../validate";

/** The handler's options: the secret sources, and where it logs. */
const HANDLER_OPTION_NAMES: readonly string[] = [...SECRET_SOURCE_OPTION_NAMES, "logger"];

/** Options of {@link sharedSecretHandler}: the secret sources and header of the Moleculer middleware. */
export interface SharedSecretHandlerOptions extends SecretSourceOptions {
  /**
   * Where refusals (rate-limited), misconfigurations and expiries are logged; `false` for nowhere.
   * @defaultValue `console`
   */
  logger?: Log | false;
}

/** A connect-style middleware, `(req, res, next)`, as Express, Connect or Polka call it. */
export interface SharedSecretRequestHandler {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** Resolves once the secrets are loaded (a provider's first answer); requests before get 500. */
  readonly ready: Promise<void>;
  /** Stops re-reading the secret file or calling the provider. */
  close(): void;
}

const silent: Log = { info() {}, warn() {}, error() {} };

/** A request as the handler leaves it: the verified claims under `token.claimsKey`. */
type Request = IncomingMessage & Record<string, unknown>;

/**
 * The same check as the Moleculer middleware, for Express and other connect-style servers, without
 * depending on them: same options (secret sources, rotation, expiry), same answers (401 `No secret
 * provided` / `Invalid secret`, 500 `Server configuration error`) and the same JSON body as
 * moleculer-web. The header is removed from `req.headers` once read. With the `token` option, the
 * gateway's signed JWT is verified instead (or beside it, `accept: "either"`), and its verified
 * claims are put on the request, as `req.gatewayClaims` (`token.claimsKey`).
 *
 * @param options - validated once, here; a bad or unknown one throws a `TypeError` naming it.
 * @example
 * ```ts
 * const app = express();
 * app.get("/protected", sharedSecretHandler(), (req, res) => res.json({ message: "Access granted" }));
 * ```
 */
export function sharedSecretHandler(options: SharedSecretHandlerOptions = {}): SharedSecretRequestHandler {
  if (options === null || typeof options !== "object") throw invalid("options", "an object");
  refuseUnknownOptions("sharedSecretHandler", options, HANDLER_OPTION_NAMES);
  const { logger = console, ...rest } = options;
  const resolved = resolveOptions(rest, process.env, "sharedSecretHandler");
  const log = logger === false ? silent : logger;
  const logRejection = createRejectionLog(log);
  const { rejectionLogLimit, rejectionLogInterval } = resolved;

  const tokenHeader = resolved.tokens?.options.headerName;
  const claimsKey = resolved.tokens?.options.claimsKey ?? "";

  function settle(
    req: Request,
    res: ServerResponse,
    next: (err?: unknown) => void,
    decision: Decision,
  ): void {
    if (admitted(decision)) {
      const claims = claimsOf(decision);
      if (claims !== undefined) req[claimsKey] = claims;
      else if (claimsKey !== "") delete req[claimsKey];
      return next();
    }
    // A misconfiguration is logged once by the store, not per request. The URL is never logged: a
    // client may have put a secret in its query string.
    if (outcomeOf(decision) !== "misconfigured") {
      const what = `${req.method ?? "?"} request (${describe(decision)})`;
      logRejection(what, req.headers["x-request-id"], rejectionLogLimit, rejectionLogInterval);
    }
    writeRefusal(res, decision, resolved);
  }

  const handler = function sharedSecretHandler(
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) {
    const secret = req.headers[resolved.headerName];
    const token = tokenHeader === undefined ? undefined : singleHeader(req, tokenHeader);
    const decision = decide(secret, token, resolved);
    // Read: nothing after this handler needs to see them (headers, headersDistinct, rawHeaders).
    if (secret !== undefined) removeHeader(req, resolved.headerName);
    if (token !== undefined) removeHeader(req, tokenHeader as string);
    if (!(decision instanceof Promise)) return settle(req as Request, res, next, decision);
    decision.then(
      (settled) => settle(req as Request, res, next, settled),
      (err: unknown) => next(err),
    );
  } as SharedSecretRequestHandler;

  const ready = startCredentials(resolved, log);
  return Object.assign(handler, { ready, close: () => stopCredentials(resolved) });
}
