import { OPTION_NAMES, resolveOptions, type SharedSecretOptions } from "../../lib/options";

const secretsOf = (options: SharedSecretOptions, env: NodeJS.ProcessEnv = {}) =>
  resolveOptions(options, env).store.current?.values ?? [];

const SECRET = "s".repeat(32);

describe("resolveOptions", () => {
  it("reads SHARED_SECRET, trimmed, when no secret option is given", () => {
    expect(secretsOf({}, { SHARED_SECRET: `  ${SECRET}\n` })).toEqual([SECRET]);
  });

  it.each([
    ["unset", {}],
    ["empty", { SHARED_SECRET: "" }],
    ["blank", { SHARED_SECRET: " \t\n" }],
  ])("configures no secret when SHARED_SECRET is %s (checked calls then fail closed)", (_n, env) => {
    expect(secretsOf({}, env)).toEqual([]);
  });

  it("prefers the secret option over the environment", () => {
    expect(secretsOf({ secret: SECRET }, { SHARED_SECRET: "other-secret" })).toEqual([SECRET]);
  });

  it("accepts a list of secrets and drops duplicates", () => {
    expect(secretsOf({ secret: [SECRET, "t".repeat(32), SECRET] })).toEqual([SECRET, "t".repeat(32)]);
  });

  it("defaults to the x-shared-secret header, all actions, no extra gateways", () => {
    const resolved = resolveOptions({ secret: SECRET });
    expect(resolved.headerName).toBe("x-shared-secret");
    expect(resolved.mode).toBe("all");
    expect([...resolved.gateways]).toEqual([]);
  });

  it("lower-cases the header name", () => {
    expect(resolveOptions({ secret: SECRET, headerName: "X-Origin-Key" }).headerName).toBe("x-origin-key");
  });

  it("leaves the caller's options object unchanged", () => {
    const options = { secret: [SECRET], headerName: "X-Key", mode: "opt-in", gateways: ["gw"] } as const;
    const copy = JSON.parse(JSON.stringify(options));
    resolveOptions(options);
    expect(options).toEqual(copy);
  });

  it.each<[string, unknown, RegExp]>([
    ["an empty secret", { secret: "" }, /"secret" option/],
    ["a blank secret", { secret: "   " }, /"secret" option/],
    ["a secret with white space at an end", { secret: ` ${SECRET}` }, /"secret" option/],
    ["a non-string secret", { secret: 42 }, /"secret" option/],
    ["a secret with a control character", { secret: "abc\ndef" }, /"secret" option/],
    ["a secret with non-ASCII characters", { secret: "clé-secrète" }, /"secret" option/],
    ["an empty list of secrets", { secret: [] }, /"secret" option/],
    ["a bad secret in a list", { secret: [SECRET, null] }, /"secret\[1\]" option/],
    ["an empty header name", { secret: SECRET, headerName: "" }, /"headerName" option/],
    ["a header name with a space", { secret: SECRET, headerName: "x shared" }, /"headerName" option/],
    ["an unknown mode", { secret: SECRET, mode: "some" }, /"mode" option/],
    ["gateways that are not names", { secret: SECRET, gateways: [""] }, /"gateways" option/],
    ["options that are not an object", "secret", /"options"/],
  ])("rejects %s with a TypeError naming the option", (_name, options, message) => {
    expect(() => resolveOptions(options as SharedSecretOptions, {})).toThrow(TypeError);
    expect(() => resolveOptions(options as SharedSecretOptions, {})).toThrow(message);
  });

  it("rejects an invalid SHARED_SECRET naming the variable", () => {
    expect(() => resolveOptions({}, { SHARED_SECRET: "tab\tinside" })).toThrow(/"SHARED_SECRET"/);
  });

  it("never puts a secret in its error messages", () => {
    try {
      resolveOptions({ secret: [SECRET, `${SECRET}\n`] });
      throw new Error("expected a TypeError");
    } catch (err) {
      expect((err as Error).message).not.toContain(SECRET);
    }
  });
});

describe("unknown options (a typo in JavaScript is not ignored)", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "requireSecrets",
      { requireSecrets: true },
      'Shared secret: unknown option "requireSecrets" of SharedSecretMiddleware; did you mean "requireSecret"?',
    ],
    [
      "headername",
      { secret: SECRET, headername: "x-key" },
      'Shared secret: unknown option "headername" of SharedSecretMiddleware; did you mean "headerName"?',
    ],
    [
      "secrets",
      { secrets: [SECRET] },
      'Shared secret: unknown option "secrets" of SharedSecretMiddleware; did you mean "secret"?',
    ],
  ])("refuses %s, with the option it is nearest to", (_name, options, message) => {
    expect(() => resolveOptions(options as SharedSecretOptions, {})).toThrow(new TypeError(message));
  });

  it("lists the known options when no name is near", () => {
    expect(() => resolveOptions({ colour: "blue" } as SharedSecretOptions, {})).toThrow(
      `unknown option "colour" of SharedSecretMiddleware; known options: ${OPTION_NAMES.join(", ")}.`,
    );
  });

  it("names the factory the user called", () => {
    expect(() =>
      resolveOptions({ requireSecrets: true } as SharedSecretOptions, {}, "SharedSecretMixin"),
    ).toThrow('unknown option "requireSecrets" of SharedSecretMixin; did you mean "requireSecret"?');
  });

  it("refuses an unknown option of token, naming where it is", () => {
    const token = { jwksURL: "https://gateway.example.com/jwks.json" };
    expect(() => resolveOptions({ token } as SharedSecretOptions, {})).toThrow(
      'unknown option "jwksURL" of "token" in SharedSecretMiddleware; did you mean "jwksUrl"?',
    );
  });

  it("accepts every documented option, including those left undefined", () => {
    const options = Object.fromEntries(OPTION_NAMES.map((name) => [name, undefined]));
    expect(() => resolveOptions({ ...options, secret: SECRET }, {})).not.toThrow();
  });
});
