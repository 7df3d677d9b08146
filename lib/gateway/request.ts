/**
 * Taking the secret out of an incoming HTTP request: the header from `headers`, `headersDistinct`
 * and `rawHeaders`, and a query parameter named like it from the URL, before anything reads them.
 */
import { IncomingMessage } from "node:http";
import { headersWithout } from "./forward";

type Headers = Record<string, unknown>;

/** Node's own keys on a request: the number of `rawHeaders` entries it parsed, and its `headersDistinct`. */
interface HeaderInternals {
  readonly count: symbol;
  readonly distinct: symbol;
}

/**
 * Node builds `headersDistinct` lazily, walking `rawHeaders` up to the count it parsed (a private
 * symbol), so splicing `rawHeaders` breaks the getter unless that count follows. Found once, on a
 * request object that never saw a socket, and used only if the whole removal (splice, count, then
 * the getter) gives the right answer there; otherwise null, and every removal builds
 * `headersDistinct` first, as Node's API allows.
 */
const internals: HeaderInternals | null = (function findHeaderInternals(): HeaderInternals | null {
  try {
    type Probe = IncomingMessage & { _addHeaderLines(headers: string[], n: number): void };
    const probe = Object.create(IncomingMessage.prototype) as Probe;
    probe._addHeaderLines(["X-Probe", "1", "Kept", "2"], 4);
    const byValue = (value: unknown) =>
      Object.getOwnPropertySymbols(probe).filter(
        (key) => (probe as unknown as Headers)[key as never] === value,
      );
    const counts = byValue(4);
    if (counts.length !== 1) return null;
    const count = counts[0];
    probe.rawHeaders.splice(0, 2);
    (probe as unknown as Record<symbol, unknown>)[count] = probe.rawHeaders.length;
    const distinct = probe.headersDistinct;
    const keys = Object.keys(distinct);
    const distincts = byValue(distinct);
    if (keys.length !== 1 || distinct.kept?.[0] !== "2" || distincts.length !== 1) return null;
    return { count, distinct: distincts[0] };
  } catch {
    return null;
  }
})();

/**
 * Removes every occurrence of the header `name` (lower case), in any letter case, from the request:
 * `headers` becomes a copy without it (a `delete` would turn Node's object into a slow dictionary),
 * `rawHeaders` is spliced, and `headersDistinct`, built now only where Node's count cannot be kept
 * in step (see {@link internals}), loses it too. Never throws.
 */
export function removeHeader(req: IncomingMessage, name: string): void {
  try {
    const raw = req.rawHeaders;
    const own = req as unknown as Record<symbol, unknown>;
    const inStep = internals !== null && own[internals.count] === raw.length;
    // Already built (something read it), or built now while `rawHeaders` is whole.
    const distinct = inStep
      ? own[internals.distinct]
      : (req as { headersDistinct?: unknown }).headersDistinct;
    if (distinct !== null && typeof distinct === "object") delete (distinct as Headers)[name];
    if ((req.headers as Headers)[name] !== undefined) replaceHeaders(req, name);
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      const field = raw[i];
      if (field.length === name.length && field.toLowerCase() === name) raw.splice(i, 2);
    }
    if (inStep) own[internals.count] = raw.length;
  } catch {
    // an HTTP/2 compatibility request or a frozen object: what could be removed is removed
  }
}

/** Gives `req` a headers object without `name`, or deletes it where `headers` cannot be replaced. */
function replaceHeaders(req: IncomingMessage, name: string): void {
  try {
    req.headers = headersWithout(req.headers as Headers, name) as IncomingMessage["headers"];
  } catch {
    // a getter without a setter
  }
  const headers = req.headers as Headers;
  if (headers[name] !== undefined) delete headers[name];
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
function withoutQueryParameter(url: string, name: string): string {
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

/**
 * A token header's value: an array when it was sent more than once (Node keeps only the first
 * `authorization`, which would hide the second from the check). Never throws.
 */
export function singleHeader(req: IncomingMessage, name: string): unknown {
  try {
    const values = req.headersDistinct?.[name];
    return values !== undefined && values.length > 1 ? values : req.headers[name];
  } catch {
    return Number.NaN;
  }
}
