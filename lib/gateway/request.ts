/**
 * Taking the secret out of an incoming HTTP request: the header from `headers`, `headersDistinct`
 * and `rawHeaders`, and a query parameter named like it from the URL, before anything reads them.
 */
import type { IncomingMessage } from "node:http";

type Headers = Record<string, unknown>;

/**
 * Removes every occurrence of the header `name` (lower case), in any letter case, from the request.
 * Node builds `headersDistinct` lazily by walking `rawHeaders` up to the count it parsed, so it is
 * built first (while `rawHeaders` is whole), then cleaned, then `rawHeaders` is spliced. Never throws.
 */
export function removeHeader(req: IncomingMessage, name: string): void {
  try {
    const distinct = (req as { headersDistinct?: Headers }).headersDistinct;
    if (distinct !== null && typeof distinct === "object") delete distinct[name];
    delete (req.headers as Headers)[name];
    const raw = req.rawHeaders;
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      const field = raw[i];
      if (field.length === name.length && field.toLowerCase() === name) raw.splice(i, 2);
    }
  } catch {
    // an HTTP/2 compatibility request or a frozen object: what could be removed is removed
  }
}

/** The decoded, lower-cased name of a query parameter, cut at its first `[` (qs's array/object syntax). */
function parameterName(part: string): string {
  const eq = part.indexOf("=");
  let raw = (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, " ");
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // malformed escapes: compare the raw name
  }
  const bracket = raw.indexOf("[");
  return (bracket === -1 ? raw : raw.slice(0, bracket)).trim().toLowerCase();
}

/** `url` without the query parameters named `name` (see {@link parameterName}); the same string when none. */
export function withoutQueryParameter(url: string, name: string): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const parts = url.slice(q + 1).split("&");
  const kept = parts.filter((part) => parameterName(part) !== name);
  if (kept.length === parts.length) return url;
  return kept.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${kept.join("&")}`;
}

/**
 * Removes query parameters named like the header from `req.url` and, where Express set them,
 * `req.originalUrl` and an already parsed `req.query`; moleculer-web derives its request log, span
 * name, `req.query` and the action's params from these. Never throws.
 */
export function removeQueryParameter(req: IncomingMessage, name: string): void {
  try {
    const url = req.url;
    if (typeof url === "string" && url.includes("?")) req.url = withoutQueryParameter(url, name);
    const withOriginal = req as { originalUrl?: unknown };
    if (typeof withOriginal.originalUrl === "string" && withOriginal.originalUrl.includes("?")) {
      withOriginal.originalUrl = withoutQueryParameter(withOriginal.originalUrl, name);
    }
    const own = Object.getOwnPropertyDescriptor(req, "query");
    const query = own !== undefined && "value" in own ? (own.value as unknown) : undefined;
    if (query !== null && typeof query === "object") {
      for (const key of Object.keys(query)) if (parameterName(key) === name) delete (query as Headers)[key];
    }
  } catch {
    // a read-only URL: nothing else to do here
  }
}
