/**
 * A credential in the URL of an engine.io request: a query key, as engine.io itself parsed it into
 * `req._query` (Socket.IO's `handshake.query`), that names the secret's header or the token's.
 */

/**
 * The name a query key stands for: lower-cased and trimmed, and without the brackets a `qs`-style
 * reader would drop (`name[]`, `name[0]`, `[name]`). engine.io's own parser (WHATWG
 * `URLSearchParams`) has already percent-decoded the key and kept its brackets.
 */
function nameOf(key: string): string {
  const lower = key.trim().toLowerCase();
  if (lower.startsWith("[")) {
    const close = lower.indexOf("]");
    return (close === -1 ? lower.slice(1) : lower.slice(1, close)).trim();
  }
  const open = lower.indexOf("[");
  return open === -1 ? lower : lower.slice(0, open).trim();
}

/**
 * Whether the parsed query `query` (engine.io's `req._query`) has a key standing for one of `names`
 * (lower-case header names), see {@link nameOf}. Never throws: a query that cannot be read (a
 * Proxy, a throwing getter) counts as one that has such a key.
 */
export function credentialInQuery(query: unknown, names: readonly string[]): boolean {
  try {
    if (query === null || query === undefined) return false;
    if (typeof query !== "object") return true;
    for (const key of Object.keys(query)) if (names.includes(nameOf(key))) return true;
    return false;
  } catch {
    return true;
  }
}
