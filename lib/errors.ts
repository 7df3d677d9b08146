/**
 * The errors the library raises: Moleculer error classes with stable `type`s callers can switch on,
 * and messages that never hold a presented value.
 */
import { Errors } from "moleculer";
import { inspect } from "node:util";

/**
 * The `type` of every error this library raises, stable across versions so callers can switch on it.
 * They echo moleculer-web's own `ERR_NO_TOKEN` / `ERR_INVALID_TOKEN`.
 */
export const ERR_NO_SECRET = "ERR_NO_SECRET";
/** @see ERR_NO_SECRET */
export const ERR_INVALID_SECRET = "ERR_INVALID_SECRET";
/** @see ERR_NO_SECRET */
export const ERR_SECRET_NOT_CONFIGURED = "ERR_SECRET_NOT_CONFIGURED";
/** @see ERR_NO_SECRET */
export const ERR_CALLER_UNKNOWN = "ERR_CALLER_UNKNOWN";
/** @see ERR_NO_SECRET */
export const ERR_NO_TOKEN = "ERR_NO_TOKEN";
/** @see ERR_NO_SECRET */
export const ERR_INVALID_TOKEN = "ERR_INVALID_TOKEN";
/** @see ERR_NO_SECRET */
export const ERR_CREDENTIAL_IN_URL = "ERR_CREDENTIAL_IN_URL";

/** Union of every error type the library raises. */
export type SharedSecretErrorType =
  | typeof ERR_NO_SECRET
  | typeof ERR_INVALID_SECRET
  | typeof ERR_SECRET_NOT_CONFIGURED
  | typeof ERR_CALLER_UNKNOWN
  | typeof ERR_NO_TOKEN
  | typeof ERR_INVALID_TOKEN
  | typeof ERR_CREDENTIAL_IN_URL;

/**
 * A call was refused because the shared secret header (or the gateway's token, when tokens are
 * accepted) is missing, empty or wrong. `code` is 401; the message never contains the presented value.
 *
 * @example
 * ```ts
 * if (err instanceof SharedSecretError && err.type === ERR_NO_SECRET) { ... }
 * ```
 */
export class SharedSecretError extends Errors.MoleculerClientError {
  constructor(
    message:
      | "No secret provided"
      | "Invalid secret"
      | "No token provided"
      | "Invalid token"
      | "No secret or token provided",
    type: typeof ERR_NO_SECRET | typeof ERR_INVALID_SECRET | typeof ERR_NO_TOKEN | typeof ERR_INVALID_TOKEN,
  ) {
    super(message, 401, type);
    this.name = "SharedSecretError";
  }
}

/**
 * A checked call arrived while no secret is configured on this node (fail closed).
 * `code` is 500, `type` is {@link ERR_SECRET_NOT_CONFIGURED}.
 */
export class SharedSecretConfigurationError extends Errors.MoleculerError {
  constructor() {
    super("Server configuration error", 500, ERR_SECRET_NOT_CONFIGURED);
    this.name = "SharedSecretConfigurationError";
  }
}

/**
 * A call without the secret came from a caller no registry knows yet (in a cluster, typically a
 * node whose INFO has not arrived after a reconnection): refused (fail closed), but as a transient,
 * retryable `503`, since it is most likely an ordinary service's nested call, not a wrong secret.
 */
export class SharedSecretCallerUnknownError extends Errors.MoleculerRetryableError {
  constructor() {
    super("Caller not known yet", 503, ERR_CALLER_UNKNOWN);
    this.name = "SharedSecretCallerUnknownError";
  }
}

/**
 * A request whose URL holds a query parameter that the gateway's query parser reads as the secret's
 * (or the token's) header name, in a form the door could not take out of it. `code` is 400, `type`
 * is {@link ERR_CREDENTIAL_IN_URL}; the message never contains the parameter.
 */
export class SharedSecretUrlError extends Errors.MoleculerClientError {
  constructor() {
    super("Credentials go in headers, not in the URL", 400, ERR_CREDENTIAL_IN_URL);
    this.name = "SharedSecretError";
  }
}

/**
 * A node that refuses to start because of how it is configured or wired (a gateway without the
 * door, `requireSecret` without a secret...). Its message says what and how to fix it, in one line;
 * `util.inspect` (used by moleculer-runner and Moleculer's loggers after the message) prints only
 * its name, so the refusal reads once, without a stack trace.
 */
export class SharedSecretStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SharedSecretStartError";
  }

  [inspect.custom](): string {
    return `[${this.name}]`;
  }
}
