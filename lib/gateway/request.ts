/**
 * Taking the secret out of an incoming HTTP request: the header from `headers`, `headersDistinct`
 * and `rawHeaders`, before anything reads them, and putting the request back as it came where the
 * request is not the door's (moleculer-web in Express hands it on).
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
 * Header lines above which Node's `headers` object is already a dictionary (V8 turns an object into
 * one after about 16 properties added by computed keys, as Node adds headers): a `delete` then costs
 * nothing more, while a copy costs about 70 ns per header (4.4 µs for 64).
 */
const DICTIONARY_LINES = 16;

/**
 * Removes every occurrence of the header `name` (lower case), in any letter case, from the request:
 * `headers` becomes a copy without it (a `delete` would turn Node's object into a slow dictionary),
 * `rawHeaders` is spliced, and `headersDistinct`, built now only where Node's count cannot be kept
 * in step (see {@link internals}), loses it too. `owned`: no code but the door's has seen the
 * request (its own server's request, not Express's), so nothing else holds its `headers` object, and
 * with many headers the header is deleted from that object in place, with the same result. (Deleting
 * the last header sent, in place, made a 4-header request 0.3 µs slower: not done.) Never throws.
 */
export function removeHeader(req: IncomingMessage, name: string, owned = false): void {
  try {
    const raw = req.rawHeaders;
    const own = req as unknown as Record<symbol, unknown>;
    const inStep = internals !== null && own[internals.count] === raw.length;
    // Already built (something read it), or built now while `rawHeaders` is whole.
    const distinct = inStep
      ? own[internals.distinct]
      : (req as { headersDistinct?: unknown }).headersDistinct;
    if (distinct !== null && typeof distinct === "object") delete (distinct as Headers)[name];
    const headers = req.headers as Headers;
    if (headers[name] !== undefined) {
      if (owned && raw.length > 2 * DICTIONARY_LINES) delete headers[name];
      else replaceHeaders(req, name);
    }
    for (let i = raw.length - 2; i >= 0; i -= 2) if (isName(raw[i], name)) raw.splice(i, 2);
    if (inStep) own[internals.count] = raw.length;
  } catch {
    // an HTTP/2 compatibility request or a frozen object: what could be removed is removed
  }
}

/** Whether a raw header field is `name` (lower case) in any letter case; most clients send it in lower case. */
function isName(field: string, name: string): boolean {
  return field.length === name.length && (field === name || field.toLowerCase() === name);
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

/**
 * A credential header's value: an array when it was sent more than once, counted in `rawHeaders`
 * (Node keeps only the first `authorization`, over HTTP/1.1 and HTTP/2 alike, which would hide the
 * second from the check). Never throws.
 */
export function singleHeader(req: IncomingMessage, name: string): unknown {
  try {
    const raw = req.rawHeaders;
    let seen = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const field = raw[i];
      if (field.length === name.length && field.toLowerCase() === name) seen++;
    }
    if (seen < 2) return req.headers[name];
    const values: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i].length === name.length && raw[i].toLowerCase() === name) values.push(raw[i + 1]);
    }
    return values;
  } catch {
    return Number.NaN;
  }
}

/** What {@link snapshotRequest} keeps of a request, to put it back as it came. */
export interface RequestSnapshot {
  readonly headers: unknown;
  readonly raw: string[];
  readonly count: unknown;
  readonly url: unknown;
  readonly originalUrl: unknown;
}

/**
 * The request's headers and URLs as they came, before the door takes a credential out of them: for
 * moleculer-web in Express, whose requests for URLs it does not route go on to the host app untouched.
 */
export function snapshotRequest(req: IncomingMessage): RequestSnapshot {
  const own = req as unknown as Record<symbol, unknown>;
  return {
    headers: req.headers,
    raw: req.rawHeaders.slice(),
    count: internals === null ? undefined : own[internals.count],
    url: req.url,
    originalUrl: (req as { originalUrl?: unknown }).originalUrl,
  };
}

/**
 * Puts back the headers of `snapshot` (taken by {@link snapshotRequest}), and the URLs where the
 * door's change is still there (`cleanedUrl`, `cleanedOriginal`: what the door set); Node rebuilds
 * `headersDistinct` from `rawHeaders` the next time it is read. Never throws.
 */
export function restoreRequest(
  req: IncomingMessage,
  snapshot: RequestSnapshot,
  cleanedUrl: unknown,
  cleanedOriginal: unknown,
): void {
  try {
    const raw = req.rawHeaders;
    raw.splice(0, raw.length, ...snapshot.raw);
    if (internals !== null) {
      const own = req as unknown as Record<symbol, unknown>;
      own[internals.count] = snapshot.count;
      own[internals.distinct] = null;
    }
    req.headers = snapshot.headers as IncomingMessage["headers"];
    const target = req as { url?: unknown; originalUrl?: unknown };
    if (target.url === cleanedUrl) target.url = snapshot.url;
    if (target.originalUrl === cleanedOriginal) target.originalUrl = snapshot.originalUrl;
  } catch {
    // a frozen or HTTP/2 request: it goes on as the door left it
  }
}
