import fc from "fast-check";

/**
 * fast-check settings shared by the property tests: a fixed seed so `npm test` is reproducible,
 * and a larger run behind `FC_RUNS` (e.g. `FC_RUNS=20000 npx jest test/adversarial`). `FC_SEED`
 * replays a reported seed; a failing seed found that way is kept as a plain `it` case.
 */
export const FC_SEED = Number(process.env.FC_SEED ?? 20260523);
const runs = Number(process.env.FC_RUNS ?? 0);

/** fast-check parameters for one property: `ciRuns` in CI, `FC_RUNS` when set. */
export function params(ciRuns: number): fc.Parameters<unknown> {
  return { seed: FC_SEED, numRuns: runs > 0 ? runs : ciRuns, endOnFailure: true };
}

/** Two accepted secrets, as during a rotation (printable ASCII, as the options require). */
export const SECRETS = [
  "adv-secret-1-4f0c2a9e7b1d3c5e8a6f0b2d4c6e8a1f",
  "adv-secret-2-9e8d7c6b5a4f3e2d1c0b",
] as const;
export const [SECRET, SECRET_2] = SECRETS;

const isAccepted = (value: string) => (SECRETS as readonly string[]).includes(value);

/** Replaces the character at `index` (modulo length) by another one from `alphabet`. */
function editAt(secret: string, index: number, replacement: string): string {
  const i = index % secret.length;
  const next = replacement === secret[i] ? String.fromCharCode(secret.charCodeAt(i) ^ 1) : replacement;
  return secret.slice(0, i) + next + secret.slice(i + 1);
}

/** Flips the case of the letters at the chosen positions (at least one letter changes). */
function caseChange(secret: string, seed: number): string {
  const letters = [...secret].map((c, i) => (/[a-z]/i.test(c) ? i : -1)).filter((i) => i >= 0);
  const pick = letters[seed % letters.length];
  return [...secret]
    .map((c, i) =>
      i === pick || (seed >> i) & 1 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c,
    )
    .join("");
}

/**
 * Strings that are near misses of an accepted secret, as an attacker or a careless operator would
 * produce them. Every one differs from every accepted secret (checked, not assumed).
 * `printable`: only characters an HTTP client may send in a header, with no white space at either
 * end (HTTP strips optional white space around a field value, see SECURITY.md).
 */
export function nearMisses(printable: boolean): fc.Arbitrary<string> {
  const secret = fc.constantFrom(...SECRETS);
  const char = printable
    ? fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }).filter((c) => /^[\x21-\x7e]$/.test(c))
    : fc.string({ unit: "binary", minLength: 1, maxLength: 1 });
  const inner = printable
    ? fc.constantFrom(" ", "\t")
    : fc.constantFrom(" ", "\t", "\0", "\x01", "\x7f", "\r", "\n");
  const ends = fc.constantFrom(" ", "\t", "\0", "\x0b", "\u00a0", "\ufeff");

  const families: fc.Arbitrary<string>[] = [
    // prefixes and suffixes, proper ones
    fc.tuple(secret, fc.nat()).map(([s, n]) => s.slice(0, n % s.length)),
    fc.tuple(secret, fc.nat()).map(([s, n]) => s.slice(1 + (n % (s.length - 1)))),
    // extensions
    fc.tuple(secret, char).map(([s, c]) => s + c),
    fc.tuple(secret, char).map(([s, c]) => c + s),
    // one-character edits: substitution, deletion, insertion, transposition
    fc.tuple(secret, fc.nat(), char).map(([s, i, c]) => editAt(s, i, c)),
    fc.tuple(secret, fc.nat()).map(([s, i]) => s.slice(0, i % s.length) + s.slice((i % s.length) + 1)),
    fc.tuple(secret, fc.nat(), char).map(([s, i, c]) => s.slice(0, i % s.length) + c + s.slice(i % s.length)),
    fc
      .tuple(secret, fc.nat())
      .map(([s, n]) => {
        const i = n % (s.length - 1);
        return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
      })
      .filter((v) => !isAccepted(v)),
    // case changes
    fc.tuple(secret, fc.nat()).map(([s, n]) => caseChange(s, n)),
    // white space or control characters inside, or around (where HTTP would not strip them)
    fc
      .tuple(secret, fc.nat(), inner)
      .map(([s, i, c]) => s.slice(0, 1 + (i % (s.length - 1))) + c + s.slice(1 + (i % (s.length - 1)))),
    ...(printable
      ? []
      : [fc.tuple(secret, ends, fc.option(ends, { nil: "" })).map(([s, a, b]) => a + s + b)]),
    // the secret twice, joined as a repeated header would be, every accepted secret concatenated
    fc.tuple(secret, fc.constantFrom("", ",", ", ", " ")).map(([s, sep]) => s + sep + s),
    fc.constantFrom(SECRETS.join(""), SECRETS.join(","), SECRETS.join(", "), [...SECRETS].reverse().join("")),
    // random strings, of any length up to a few KB
    printable
      ? fc.string({ unit: "binary-ascii", maxLength: 300 }).map((v) => v.replace(/[^\x21-\x7e]/g, "a"))
      : fc.string({ unit: "binary", maxLength: 300 }),
  ];
  return fc.oneof(...families).filter((v) => !isAccepted(v));
}

/** Strings above U+00FF whose low bytes spell an accepted secret (a lossy latin1 conversion sees the secret). */
export function disguisedSecret(): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...SECRETS),
      fc.array(fc.integer({ min: 1, max: 0xfe }), { minLength: 1 }),
      fc.nat(),
    )
    .map(([s, highs, shift]) =>
      Array.from(s, (c, i) => {
        const high = i === shift % s.length ? highs[0] : (highs[i % highs.length] ?? 0) * (i % 2);
        return String.fromCharCode((high << 8) | c.charCodeAt(0));
      }).join(""),
    );
}

/** Anything in-process code could put where the header goes: every JavaScript kind of value. */
export function codeValues(): fc.Arbitrary<unknown> {
  const secret = fc.constantFrom(...SECRETS);
  return fc.oneof(
    fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
    fc.constantFrom(null, undefined, 0, -0, NaN, Infinity, true, false, [], {}, ""),
    secret.map((s) => [s]),
    secret.map((s) => [s, s]),
    secret.map((s) => ({ value: s, toString: () => s, valueOf: () => s })),
    secret.map((s) => new String(s)),
    secret.map((s) => Buffer.from(s)),
    secret.map((s) => new TextEncoder().encode(s)),
    secret.map((s) => Symbol(s)),
    secret.map((s) => () => s),
    disguisedSecret(),
    nearMisses(false),
    fc.tuple(secret, fc.integer({ min: 2, max: 20000 })).map(([s, n]) => s.repeat(n)),
    fc.integer({ min: 16 * 1024, max: 2_000_000 }).map((n) => "x".repeat(n)),
  );
}

/** Shapes of `ctx.meta.headers` itself, some hiding the secret where a loose reader would find it. */
export function codeHeaderObjects(headerName: string): fc.Arbitrary<unknown> {
  const secret = fc.constantFrom(...SECRETS);
  return fc.oneof(
    codeValues(),
    codeValues().map((v) => ({ [headerName]: v })),
    secret.map((s) => ({ [headerName.toUpperCase()]: s })),
    secret.map((s) => ({ "X-Shared-Secret": s })),
    secret.map((s) => new Map([[headerName, s]])),
    secret.map((s) => [[headerName, s]]),
    secret.map((s) => [headerName, s]),
    secret.map((s) => JSON.stringify({ [headerName]: s })),
    secret.map((s) => `${headerName}: ${s}`),
    // on the prototype, not the object: a plain property read would find it; a forged object must not pass
    secret.map((s) => Object.create({ [headerName]: { toString: () => s } })),
    secret.map(
      (s) =>
        new Proxy(
          {},
          {
            get: (_t, key) => (key === headerName ? [s] : undefined),
            has: () => true,
          },
        ),
    ),
  );
}
