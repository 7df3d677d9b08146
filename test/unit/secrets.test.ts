import { resolveOptions } from "../../lib/options";
import { parseSecretFile } from "../../lib/secrets";

const A = "a".repeat(32);
const B = "b".repeat(32);

describe("parseSecretFile", () => {
  it("reads one secret per line, ignoring blank lines, comments and surrounding white space", () => {
    const set = parseSecretFile(`\n# rotation in progress\n  ${A}  \r\n\n\t${B}\n`);
    expect(set.values).toEqual([A, B]);
    expect(set.labels).toEqual(["line 3", "line 5"]);
    expect(set.nextExpiry).toBe(Infinity);
  });

  it("reads name= and notAfter= fields after the secret", () => {
    const set = parseSecretFile(`${A} name=current\n${B}   notAfter=2030-01-01T00:00:00Z  name=previous\n`);
    expect(set.labels).toEqual(["current", "previous"]);
    expect(set.notAfter).toEqual([Infinity, Date.parse("2030-01-01T00:00:00Z")]);
    expect(set.nextExpiry).toBe(Date.parse("2030-01-01T00:00:00Z"));
  });

  it.each([
    ["an empty file", "", /holds no secret/],
    ["only comments", "# nothing\n\n", /holds no secret/],
    ["two secrets on one line", `${A} ${B}\n`, /line 1 .*unknown field/],
    ["an unknown field", `${A} expires=tomorrow\n`, /line 1 .*unknown field/],
    ["a bad date", `${A} notAfter=soon\n`, /line 1 .*notAfter that is not a date/],
    ["a bad name", `${A} name=\n`, /line 1 .*bad name/],
  ])("rejects %s, quoting no value", (_name, text, message) => {
    expect(() => parseSecretFile(text)).toThrow(message);
    try {
      parseSecretFile(text);
    } catch (err) {
      expect((err as Error).message).not.toContain(A);
      expect((err as Error).message).not.toContain(B);
    }
  });
});

describe("secret sources from the environment", () => {
  it("labels SHARED_SECRET current and SHARED_SECRET_PREVIOUS previous", () => {
    const set = resolveOptions({}, { SHARED_SECRET: A, SHARED_SECRET_PREVIOUS: B }).store.current;
    expect(set?.values).toEqual([A, B]);
    expect(set?.labels).toEqual(["current", "previous"]);
  });

  it("refuses SHARED_SECRET and SHARED_SECRET_FILE together, saying so", () => {
    expect(() => resolveOptions({}, { SHARED_SECRET: A, SHARED_SECRET_FILE: "/run/secrets/x" })).toThrow(
      /SHARED_SECRET and SHARED_SECRET_FILE are both set/,
    );
  });

  it("refuses SHARED_SECRET_PREVIOUS without SHARED_SECRET", () => {
    expect(() => resolveOptions({}, { SHARED_SECRET_PREVIOUS: B })).toThrow(
      /SHARED_SECRET_PREVIOUS is set but/,
    );
  });

  it("refuses the secret and secretFile options together", () => {
    expect(() => resolveOptions({ secret: A, secretFile: "/x" })).toThrow(/not both/);
  });

  it.each([
    ["refreshInterval", { secretFile: "/x", refreshInterval: 10 }],
    ["providerTimeout", { secret: () => A, providerTimeout: 0 }],
    ["rejectionLogLimit", { secret: A, rejectionLogLimit: -1 }],
  ])("rejects a bad %s, naming it", (option, options) => {
    expect(() => resolveOptions(options, {})).toThrow(new RegExp(`"${option}" option`));
  });

  it("reads the file named by SHARED_SECRET_FILE; a missing file is a misconfiguration, not a crash", () => {
    const store = resolveOptions({}, { SHARED_SECRET_FILE: "/nonexistent/shared-secret" }).store;
    expect(store.current).toBeNull();
  });
});
