/**
 * Constant-time comparison of a presented header value against the accepted secrets.
 *
 * A matcher is prepared once per set of secrets: each secret's UTF-8 bytes as 16-bit units, and a
 * scratch buffer. Per check, the presented value is encoded once into the scratch buffer (never
 * through a lossy encoding: a character above U+00FF cannot pass for its low byte), then compared
 * with every secret over that secret's full length, 16 bits at a time, without early exit. The time
 * depends on the secrets' lengths and the presented value's own length (which its sender knows),
 * never on its content, on how many leading bytes are right, or on which secret, if any, matches.
 * Nothing is allocated per check and nothing throws.
 */

/** Index of the accepted secret a presented value equals, or -1. */
export type SecretMatcher = (presented: string) => number;

/** Room for the longest value a check encodes; longer values are cut there, and never match. */
const SCRATCH_BYTES = 8192;

interface PreparedSecret {
  /** Length in UTF-16 code units, and in UTF-8 bytes. */
  readonly length: number;
  readonly byteLength: number;
  /** The bytes as little-endian 16-bit units (the last byte of an odd length aside). */
  readonly units: Uint16Array;
  /** The last byte of an odd length, or -1. */
  readonly last: number;
}

function prepare(secret: string): PreparedSecret {
  const bytes = Buffer.from(secret, "utf8");
  const even = bytes.length - (bytes.length % 2);
  const units = new Uint16Array(even / 2);
  for (let u = 0; u < units.length; u++) units[u] = bytes[2 * u] | (bytes[2 * u + 1] << 8);
  return {
    length: secret.length,
    byteLength: bytes.length,
    units,
    last: bytes.length % 2 ? bytes[even] : -1,
  };
}

/**
 * Prepares a constant-time matcher for `secrets` (non-empty strings; may be empty: nothing matches).
 *
 * @example
 * ```ts
 * const match = createSecretMatcher(["current-secret", "previous-secret"]);
 * match(req.headers["x-shared-secret"]); // 0, 1, or -1
 * ```
 */
export function createSecretMatcher(secrets: readonly string[]): SecretMatcher {
  const prepared = secrets.map(prepare);
  const longest = Math.max(0, ...prepared.map((p) => p.byteLength));
  // Even, and longer than any secret, so a longer value is never cut down to a secret's size.
  const capacity = Math.ceil((Math.max(SCRATCH_BYTES, longest + 1) + 1) / 2) * 2;
  const scratch = Buffer.alloc(capacity);
  const scratchUnits = new Uint16Array(scratch.buffer, scratch.byteOffset, capacity / 2);

  return function matchSecret(presented: string): number {
    const written = scratch.write(presented, 0, capacity, "utf8");
    let matched = -1;
    for (let i = 0; i < prepared.length; i++) {
      const { length, byteLength, units, last } = prepared[i];
      let diff = (written ^ byteLength) | (presented.length ^ length);
      for (let u = 0; u < units.length; u++) diff |= scratchUnits[u] ^ units[u];
      const end = units.length * 2;
      // An odd length has one last byte; an even one compares a byte with itself, at the same cost.
      diff |= last < 0 ? scratch[end] ^ scratch[end] : scratch[end] ^ last;
      // Branch-free select: keeps `matched` unless diff is 0.
      const isMatch = ((diff | -diff) >>> 31) ^ 1;
      matched = isMatch * i + (1 - isMatch) * matched;
    }
    return matched;
  };
}
