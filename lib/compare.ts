/**
 * Constant-time comparison of a presented header value against the accepted secrets.
 *
 * Strings are compared UTF-16 code unit by code unit (never through a lossy byte encoding, so a
 * character above U+00FF cannot masquerade as its low byte). The work done depends only on the
 * accepted secrets' lengths: never on the presented value's content or length, nor on which secret,
 * if any, matches. Nothing is allocated and nothing throws.
 */

/**
 * Returns 0 when `presented` equals `secret`, a non-zero number otherwise.
 * Loops over the secret's length whatever `presented` is; when the lengths differ it compares the
 * secret with itself (same cost) and the length difference makes the result non-zero.
 */
function difference(presented: string, secret: string): number {
  const length = secret.length;
  const sameLength = presented.length === length;
  const other = sameLength ? presented : secret;
  let diff = sameLength ? 0 : 1;
  for (let i = 0; i < length; i++) {
    diff |= other.charCodeAt(i) ^ secret.charCodeAt(i);
  }
  return diff;
}

/**
 * Index of the accepted secret that `presented` equals, or -1.
 * Every secret is compared, with no early exit, so the time does not tell which one matched.
 *
 * @param presented - the header value as received
 * @param secrets - the accepted secrets, prepared once (non-empty strings)
 */
export function matchSecret(presented: string, secrets: readonly string[]): number {
  let matched = -1;
  for (let i = 0; i < secrets.length; i++) {
    const diff = difference(presented, secrets[i]);
    // Branch-free select: keeps `matched` unless diff is 0.
    const isMatch = ((diff | -diff) >>> 31) ^ 1;
    matched = isMatch * i + (1 - isMatch) * matched;
  }
  return matched;
}
