/**
 * Query parameters named like a credential header, decided by the gateway's own query parser
 * (moleculer-web's `parseQueryString`, with its `qsOptions`; in Express, also Express's `req.query`):
 * a client that puts the secret in the URL must not have it logged, traced or handed to an action.
 * What that parser would turn into the header's name is removed; what cannot be removed is refused.
 */
import type { IncomingMessage } from "node:http";

/** Parses a query string (without the `?`) as the gateway does. */
export type QueryParser = (query: string) => unknown;

/** What {@link cleanQuery} did: nothing to do, removed, or could not make the URL clean. */
export type QueryOutcome = "clean" | "removed" | "refuse";

type Keyed = Record<string, unknown>;

function isObject(value: unknown): value is Keyed {
  return value !== null && typeof value === "object";
}

/** A parsed key that stands for one of `names` (lower-case header names): any case, spaces around. */
function looksAlike(key: string, names: readonly string[]): boolean {
  return names.includes(key.trim().toLowerCase());
}

/** Whether the parser's result has a top-level key that looks like one of `names`. */
export function holdsLookAlike(parsed: unknown, names: readonly string[]): boolean {
  if (!isObject(parsed)) return false;
  for (const key of Object.keys(parsed)) if (looksAlike(key, names)) return true;
  return false;
}

/** The query's parts and the separators between them, split on the parser's `delimiter`. */
function split(query: string, delimiter: unknown): { parts: string[]; separators: string[] } {
  if (delimiter instanceof RegExp) {
    const global = new RegExp(
      delimiter.source,
      delimiter.flags.includes("g") ? delimiter.flags : delimiter.flags + "g",
    );
    const parts: string[] = [];
    const separators: string[] = [];
    let last = 0;
    for (const match of query.matchAll(global)) {
      if (match[0] === "") continue;
      parts.push(query.slice(last, match.index));
      separators.push(match[0]);
      last = (match.index ?? 0) + match[0].length;
    }
    parts.push(query.slice(last));
    return { parts, separators };
  }
  const separator = typeof delimiter === "string" && delimiter !== "" ? delimiter : "&";
  const parts = query.split(separator);
  return { parts, separators: parts.slice(1).map(() => separator) };
}

/**
 * `query` without the parts that the parser turns into a look-alike key, each part judged by the
 * parser alone; null when the parser still finds one in the result (a sentinel or decoder that
 * makes parts depend on each other), which the caller refuses.
 */
export function withoutLookAlikes(
  query: string,
  parse: QueryParser,
  delimiter: unknown,
  names: readonly string[],
): string | null {
  if (!holdsLookAlike(parse(query), names)) return query;
  const { parts, separators } = split(query, delimiter);
  let rebuilt = "";
  let kept = 0;
  for (let i = 0; i < parts.length; i++) {
    if (holdsLookAlike(parse(parts[i]), names)) continue;
    rebuilt += kept === 0 ? parts[i] : (separators[i - 1] ?? separators[0] ?? "&") + parts[i];
    kept++;
  }
  return holdsLookAlike(parse(rebuilt), names) ? null : rebuilt;
}

/** `url` (a request target) with its query cleaned, as moleculer-web splits it (`?` after the first character). */
function cleanUrl(
  url: string,
  parse: QueryParser,
  delimiter: unknown,
  names: readonly string[],
): string | null {
  const q = url.indexOf("?", 1);
  if (q === -1) return url;
  const query = url.slice(q + 1);
  const clean = withoutLookAlikes(query, parse, delimiter, names);
  if (clean === null) return null;
  if (clean === query) return url;
  return clean === "" ? url.slice(0, q) : `${url.slice(0, q)}?${clean}`;
}

/**
 * Removes the look-alikes of `names` from `req.url`, from `req.originalUrl` (Express sets it), from a
 * `req.query` Express already parsed (Express 4), and from an HTTP/2 request's `:path` in
 * `rawHeaders`. Returns `"refuse"` when one would remain for the gateway's parser or Express's
 * (`req.query`). Never throws: a failure is a refusal.
 */
export function cleanQuery(
  req: IncomingMessage,
  parse: QueryParser,
  delimiter: unknown,
  names: readonly string[],
): QueryOutcome {
  try {
    const target = req as IncomingMessage & { originalUrl?: unknown };
    const url = target.url ?? "";
    const cleanedUrl = cleanUrl(url, parse, delimiter, names);
    const original = target.originalUrl;
    const cleanedOriginal =
      typeof original === "string" ? cleanUrl(original, parse, delimiter, names) : original;
    if (cleanedUrl === null || cleanedOriginal === null) return "refuse";
    let outcome: QueryOutcome = "clean";
    if (cleanedUrl !== url) {
      target.url = cleanedUrl;
      replacePath(req, url, cleanedUrl);
      outcome = "removed";
    }
    if (cleanedOriginal !== original) {
      target.originalUrl = cleanedOriginal;
      outcome = "removed";
    }
    const own = Object.getOwnPropertyDescriptor(req, "query");
    if (own !== undefined && "value" in own) {
      // Parsed once, before us (Express 4's query middleware): its keys are that parser's decision.
      const query: unknown = own.value;
      if (isObject(query)) {
        for (const key of Object.keys(query)) {
          if (looksAlike(key, names)) {
            delete query[key];
            outcome = "removed";
          }
        }
      }
    } else if (holdsLookAlike((req as { query?: unknown }).query, names)) {
      return "refuse"; // a getter (Express 5) that still parses one out of the cleaned URL
    }
    return outcome;
  } catch {
    return "refuse";
  }
}

/** HTTP/2 keeps the request's `:path` in `rawHeaders` beside `req.url`: it follows the cleaned URL. */
function replacePath(req: IncomingMessage, before: string, after: string): void {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length - 1; i += 2) {
    if (raw[i] === ":path" && raw[i + 1] === before) raw[i + 1] = after;
  }
}
