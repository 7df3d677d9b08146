/**
 * The check for Express and other connect-style servers: `sharedSecretHandler()`, with the
 * middleware's options and answers, for origins that are not Moleculer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { writeRefusal } from "../gateway/answer";
import { removeHeader } from "../gateway/request";
import { admits, verifyHeaders } from "../check/guard";
import { resolveOptions, type SecretSourceOptions } from "../options";
import type { Log } from "../secrets";
import { createRejectionLog } from "../check/telemetry";

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

/**
 * The same check as the Moleculer middleware, for Express and other connect-style servers, without
 * depending on them: same options (secret sources, rotation, expiry), same answers (401 `No secret
 * provided` / `Invalid secret`, 500 `Server configuration error`) and the same JSON body as
 * moleculer-web. The header is removed from `req.headers` once read.
 *
 * @param options - validated once, here; a bad one throws a `TypeError` naming it.
 * @example
 * ```ts
 * const app = express();
 * app.get("/protected", sharedSecretHandler(), (req, res) => res.json({ message: "Access granted" }));
 * ```
 */
export function sharedSecretHandler(options: SharedSecretHandlerOptions = {}): SharedSecretRequestHandler {
  const { logger = console, ...rest } = options;
  const resolved = resolveOptions(rest);
  const log = logger === false ? silent : logger;
  const logRejection = createRejectionLog(log);
  const { rejectionLogLimit, rejectionLogInterval } = resolved;

  const handler = function sharedSecretHandler(
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ) {
    const code = verifyHeaders(req.headers, resolved);
    // Read: nothing after this handler needs to see it (headers, headersDistinct, rawHeaders).
    if (req.headers[resolved.headerName] !== undefined) removeHeader(req, resolved.headerName);
    if (admits(code)) return next();
    // A misconfiguration is logged once by the store, not per request. The URL is never logged: a
    // client may have put a secret in its query string.
    if (code !== "misconfigured") {
      const what = `${req.method ?? "?"} request (${code})`;
      logRejection(what, req.headers["x-request-id"], rejectionLogLimit, rejectionLogInterval);
    }
    writeRefusal(res, code);
  } as SharedSecretRequestHandler;

  const ready = resolved.store.start(log);
  return Object.assign(handler, { ready, close: () => resolved.store.stop() });
}
