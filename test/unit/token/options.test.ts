/**
 * Validation of the token options, once, at creation: each bad option is a TypeError naming it, a
 * preset fills in only what the user left out, and the caller's object is never changed.
 */
import { resolveOptions, type SharedSecretOptions } from "../../../lib/options";
import type { TokenOptions } from "../../../lib/token/options";
import { resolveTokenOptions } from "../../../lib/token/resolve";

const GOOD: TokenOptions = {
  jwksUrl: "https://gateway.example.test/.well-known/jwks.json",
  issuer: "https://gateway.example.test",
  audience: "https://origin.example.test",
  algorithms: ["EdDSA"],
};

const with_ = (over: Record<string, unknown>) => ({ ...GOOD, ...over }) as TokenOptions;

describe("resolveTokenOptions", () => {
  it.each<[string, unknown, RegExp]>([
    ["algorithms with HS256", with_({ algorithms: ["HS256"] }), /"token\.algorithms".*"HS256" is not one/],
    ["algorithms with none", with_({ algorithms: ["none"] }), /"token\.algorithms"/],
    ["no algorithms", with_({ algorithms: [] }), /"token\.algorithms"/],
    [
      "a jwksUrl over http to another host",
      with_({ jwksUrl: "http://gateway.example.test/jwks" }),
      /"token\.jwksUrl".*https/,
    ],
    ["a jwksUrl that is no URL", with_({ jwksUrl: "not a url" }), /"token\.jwksUrl"/],
    ["a jwksUrl over ftp", with_({ jwksUrl: "ftp://127.0.0.1/jwks" }), /"token\.jwksUrl"/],
    [
      "both jwksUrl and jwks",
      with_({ jwks: { keys: [{ kty: "OKP" }] } }),
      /"token\.jwksUrl" or "token\.jwks"/,
    ],
    ["an empty jwks", { ...GOOD, jwksUrl: undefined, jwks: { keys: [] } }, /"token\.jwks"/],
    ["no keys at all", { ...GOOD, jwksUrl: undefined }, /"token\.jwksUrl"/],
    [
      "an unknown option (a typo)",
      with_({ algoritms: ["EdDSA"] }),
      /unknown option "algoritms" of "token"; did you mean "algorithms"\?/,
    ],
    ["no issuer", with_({ issuer: undefined }), /"token\.issuer"/],
    ["an empty issuer", with_({ issuer: "" }), /"token\.issuer"/],
    ["no audience", with_({ audience: undefined }), /"token\.audience"/],
    ["an empty list of audiences", with_({ audience: [] }), /"token\.audience"/],
    ["a header name with a space", with_({ headerName: "x gateway" }), /"token\.headerName"/],
    ["a prefix with a control character", with_({ prefix: "Bearer\n" }), /"token\.prefix"/],
    ["claimsKey headers", with_({ claimsKey: "headers" }), /"token\.claimsKey"/],
    ["a pinned claim that is an object", with_({ claims: { tenant: { id: 1 } } }), /"token\.claims\.tenant"/],
    ["claims that are an array", with_({ claims: ["tenant"] }), /"token\.claims"/],
    ["requiredClaims that are no names", with_({ requiredClaims: [""] }), /"token\.requiredClaims"/],
    ["maxTokenLength under 64", with_({ maxTokenLength: 10 }), /"token\.maxTokenLength".*at least 64/],
    ["a negative jwksCooldown", with_({ jwksCooldown: -1 }), /"token\.jwksCooldown"/],
    ["a fractional jwksTimeout", with_({ jwksTimeout: 1.5 }), /"token\.jwksTimeout"/],
    ["jwksMaxBytes under 1 KiB", with_({ jwksMaxBytes: 100 }), /"token\.jwksMaxBytes"/],
    [
      "a jwksRefreshInterval under a second",
      with_({ jwksRefreshInterval: 10 }),
      /"token\.jwksRefreshInterval"/,
    ],
    ["a negative cacheSize", with_({ cacheSize: -1 }), /"token\.cacheSize"/],
    ["a clockTolerance in text", with_({ clockTolerance: "5" }), /"token\.clockTolerance"/],
    ["a maxTokenAge of 0", with_({ maxTokenAge: 0 }), /"token\.maxTokenAge"/],
    ["an unknown preset", { preset: "kong", audience: "a" }, /"token\.preset".*"cloudflare-access"/],
    [
      "preset cloudflare-access without team",
      { preset: "cloudflare-access", audience: "a" },
      /"token\.team"/,
    ],
    [
      "preset cloudflare-access without audience",
      { preset: "cloudflare-access", team: "acme" },
      /"token\.audience"/,
    ],
    [
      "preset cloudflare-access with a team that is a host name",
      { preset: "cloudflare-access", team: "acme.evil.test/x", audience: "a" },
      /"token\.team"/,
    ],
    [
      "preset zuplo-identity-token without a pinned project",
      { preset: "zuplo-identity-token", audience: "a", claims: { account: "acct" } },
      /"token\.claims".*"account" and "project"/,
    ],
    ["preset zuplo-identity-token without audience", { preset: "zuplo-identity-token" }, /"token\.audience"/],
    [
      "preset zuplo-upstream-jwt without issuer",
      { preset: "zuplo-upstream-jwt", audience: "a" },
      /"token\.issuer"/,
    ],
    [
      "preset zuplo-upstream-jwt with an http issuer on another host",
      { preset: "zuplo-upstream-jwt", audience: "a", issuer: "http://api.example.test" },
      /"token\.issuer"/,
    ],
    ["a token option that is no object", "EdDSA", /"token" option must be an object/],
    ["a token option that is null", null, /"token" option must be an object/],
  ])("refuses %s with a TypeError naming it", (_name, options, message) => {
    expect(() => resolveTokenOptions(options)).toThrow(TypeError);
    expect(() => resolveTokenOptions(options)).toThrow(message);
  });

  it.each(["http://127.0.0.1:8080/jwks", "http://localhost/jwks", "http://[::1]:9/jwks"])(
    "accepts a plain-http jwksUrl to this machine (%s)",
    (jwksUrl) => {
      expect(resolveTokenOptions(with_({ jwksUrl })).keys).toMatchObject({ kind: "url" });
    },
  );

  it("fills in the defaults", () => {
    expect(resolveTokenOptions(GOOD)).toMatchObject({
      headerName: "authorization",
      prefix: "Bearer ",
      clockTolerance: 5,
      claimsKey: "gatewayClaims",
      maxTokenLength: 8192,
      jwksTimeout: 5000,
      jwksMaxBytes: 262144,
      jwksCooldown: 30000,
      jwksRefreshInterval: 600000,
      cacheSize: 1000,
    });
  });

  it("lets an explicit jwksUrl win over the preset's", () => {
    const jwksUrl = "http://127.0.0.1:4000/jwks.json";
    const resolved = resolveTokenOptions({
      preset: "cloudflare-access",
      team: "Acme",
      audience: "a",
      jwksUrl,
    });
    expect(resolved.keys).toEqual({ kind: "url", url: new URL(jwksUrl) });
    expect(resolved).toMatchObject({
      issuer: ["https://acme.cloudflareaccess.com"],
      algorithms: ["RS256"],
      headerName: "cf-access-jwt-assertion",
      prefix: "",
    });
  });

  it("takes the Cloudflare Access keys from the team's certs URL by default", () => {
    const resolved = resolveTokenOptions({ preset: "cloudflare-access", team: "acme", audience: "a" });
    expect(resolved.keys).toEqual({
      kind: "url",
      url: new URL("https://acme.cloudflareaccess.com/cdn-cgi/access/certs"),
    });
  });

  it("finds the Zuplo upstream keys through the issuer's OpenID configuration, sub required", () => {
    const resolved = resolveTokenOptions({
      preset: "zuplo-upstream-jwt",
      issuer: "https://api.example.test",
      audience: "a",
    });
    expect(resolved.keys).toEqual({ kind: "discover", issuer: new URL("https://api.example.test") });
    expect(resolved).toMatchObject({ algorithms: ["EdDSA"], requiredClaims: ["sub"] });
  });

  it("never changes the caller's options", () => {
    const options = { ...GOOD, preset: undefined, claims: { tenant: "acme" } };
    const copy = structuredClone(options);
    Object.freeze(options);
    Object.freeze(options.claims);
    resolveTokenOptions(options);
    resolveTokenOptions({ preset: "cloudflare-access", team: "acme", audience: "a" });
    expect(options).toEqual(copy);
  });
});

describe("the token option in the middleware's options", () => {
  const SECRET = "s".repeat(32);
  it.each<[string, SharedSecretOptions, RegExp]>([
    [
      "a token header that is the secret's",
      { token: with_({ headerName: "X-Shared-Secret" }) },
      /"token\.headerName"/,
    ],
    ["accept token with a secret", { token: GOOD, accept: "token", secret: SECRET }, /"accept" is "token"/],
    ["accept either without a token", { accept: "either", secret: SECRET }, /"token" option must be set/],
    ["accept secret with a token", { token: GOOD, accept: "secret" }, /"accept" is "secret"/],
    ["an unknown accept", { token: GOOD, accept: "any" as never }, /"accept" option must be/],
    ["a bad token option", { token: with_({ algorithms: ["HS512"] }) }, /"token\.algorithms"/],
  ])("refuses %s with a TypeError naming it", (_name, options, message) => {
    expect(() => resolveOptions(options, {})).toThrow(TypeError);
    expect(() => resolveOptions(options, {})).toThrow(message);
  });

  it('defaults accept to "token" when token is set, reading no secret from the environment', () => {
    const resolved = resolveOptions({ token: GOOD }, { SHARED_SECRET: SECRET });
    expect(resolved.accept).toBe("token");
    expect(resolved.store.current).toBeNull();
  });
});
