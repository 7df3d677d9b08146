import type { IncomingMessage } from "node:http";
import { DEFAULT_HEADER_NAME } from "./options";

/** The part of moleculer-web's root call options this helper fills. */
export interface RootCallOptions {
  meta?: Record<string, unknown> & { headers?: Record<string, unknown> };
  [key: string]: unknown;
}

/**
 * Builds a moleculer-web `settings.rootCallOptions` function that copies the shared secret header,
 * and nothing else (no cookies, no `Authorization`), into `ctx.meta.headers`. moleculer-web calls it
 * for every request before routing, so every route forwards it, including routes added later.
 *
 * @param headerName - header to forward, case-insensitive.
 * @defaultValue `"x-shared-secret"`
 * @example
 * ```ts
 * settings: { rootCallOptions: forwardSecretHeader(), routes: [...] }
 * ```
 */
export function forwardSecretHeader(
  headerName: string = DEFAULT_HEADER_NAME,
): (options: RootCallOptions, req: IncomingMessage) => void {
  if (typeof headerName !== "string" || headerName === "") {
    throw new TypeError('Shared secret: "headerName" option must be a non-empty HTTP header name.');
  }
  const name = headerName.toLowerCase();

  const forwarder = function forwardSharedSecretHeader(options: RootCallOptions, req: IncomingMessage) {
    const value = req.headers[name];
    if (value === undefined) return;
    const meta = options.meta ?? {};
    meta.headers = { ...meta.headers, [name]: value };
    options.meta = meta;
  };
  forwarders.set(forwarder, name);
  return forwarder;
}

const forwarders = new WeakMap<object, string>();

/** The header a `rootCallOptions` value forwards, when it is a {@link forwardSecretHeader} function. */
export function forwardedHeader(rootCallOptions: unknown): string | undefined {
  return typeof rootCallOptions === "function" ? forwarders.get(rootCallOptions) : undefined;
}
