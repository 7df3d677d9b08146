import { createSecretMatcher } from "../../lib/check/compare";

const matchSecret = (value: string, secrets: readonly string[]) => createSecretMatcher(secrets)(value);

const A = "a".repeat(16) + "0123456789abcdef";
const B = "b".repeat(16) + "fedcba9876543210";

describe("matchSecret", () => {
  it("returns the index of the secret the value equals", () => {
    expect(matchSecret(A, [A])).toBe(0);
    expect(matchSecret(B, [A, B])).toBe(1);
    expect(matchSecret(A, [A, B])).toBe(0);
  });

  it.each([
    ["an empty string", ""],
    ["a prefix", A.slice(0, -1)],
    ["the secret with one more character", A + "x"],
    ["the last character changed", A.slice(0, -1) + "x"],
    ["the first character changed", "x" + A.slice(1)],
    ["a case change", A.toUpperCase()],
    ["the secret twice", A + A],
    ["the secret joined to itself as a repeated header", `${A}, ${A}`],
    ["all accepted secrets concatenated", A + B],
    ["surrounding white space", ` ${A} `],
    ["a NUL byte appended", A + "\0"],
  ])("refuses %s", (_name, value) => {
    expect(matchSecret(value, [A, B])).toBe(-1);
  });

  it("refuses characters above U+00FF whose low byte spells the secret", () => {
    // Buffer.from(value, "latin1") would keep only the low bytes and see the secret.
    const disguised = Array.from(A, (c) => String.fromCharCode(0x100 | c.charCodeAt(0))).join("");
    expect(Buffer.from(disguised, "latin1").toString("latin1")).toBe(A);
    expect(matchSecret(disguised, [A])).toBe(-1);
  });

  it("refuses a value of the same length made of other characters", () => {
    expect(matchSecret("z".repeat(A.length), [A])).toBe(-1);
  });

  it("handles a huge value without throwing", () => {
    expect(matchSecret("x".repeat(1_000_000), [A])).toBe(-1);
  });

  it("matches nothing when no secret is accepted", () => {
    expect(matchSecret(A, [])).toBe(-1);
  });
});
