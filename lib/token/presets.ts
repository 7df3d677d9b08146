/**
 * The token presets: what each gateway's documentation says its tokens look like (algorithm, header,
 * issuer, key URL, claims), each still needing the user's own audience, issuer, team or account values.
 */
import { invalid } from "../validate";
import type { TokenOptions } from "./options";

/** The gateways whose tokens have a preset. */
export type TokenPreset = "zuplo-upstream-jwt" | "zuplo-identity-token" | "cloudflare-access";

/** The option values a preset fills in, given what the user must supply. */
type PresetDefaults = Partial<TokenOptions> & { readonly discover?: boolean };

function required(options: TokenOptions, option: keyof TokenOptions, preset: TokenPreset): void {
  if (options[option] === undefined) {
    throw invalid(`token.${option}`, `set for preset "${preset}" (see the README's "Gateway-signed tokens")`);
  }
}

/**
 * Zuplo's *Upstream Zuplo JWT* policy (https://zuplo.com/docs/policies/upstream-zuplo-jwt-auth-inbound):
 * the JWT goes in `headerName` (default `Authorization`) after `tokenPrefix` (default `Bearer`); the
 * user sets its `audience`. The token comes from Zuplo's JWT service
 * (https://zuplo.com/docs/programmable-api/jwt-service-plugin), which "issues JWTs using the EdDSA
 * algorithm" and serves `/.well-known/openid-configuration` with its JWKS: the keys are found there,
 * from the user's `issuer` (their Zuplo API's URL). Its subject is the authenticated consumer: `sub`
 * is required.
 */
function zuploUpstreamJwt(options: TokenOptions): PresetDefaults {
  required(options, "issuer", "zuplo-upstream-jwt");
  required(options, "audience", "zuplo-upstream-jwt");
  return {
    algorithms: ["EdDSA"],
    headerName: "authorization",
    prefix: "Bearer ",
    requiredClaims: ["sub"],
    discover: true,
  };
}

/**
 * Zuplo's *Identity Token* (https://zuplo.com/docs/articles/zuplo-id-token): "alg: RS256, always";
 * `iss` is the Zuplo identity provider, "this value will always be the same"; the claims `account`,
 * `project` and `deployment` name the sender, so `account` and `project` must be pinned by the user
 * (`claims`), since every Zuplo customer's tokens share that issuer. Keys are found through the
 * issuer's OpenID configuration, as the page's "standard OAuth middleware" does.
 */
const ZUPLO_IDENTITY_ISSUER = "https://dev.zuplo.com/v1/client-auth/auth_o8PUdhKxSTOiB794GWPwLQCD";

function zuploIdentityToken(options: TokenOptions): PresetDefaults {
  required(options, "audience", "zuplo-identity-token");
  const pinned = options.claims ?? {};
  if (pinned.account === undefined || pinned.project === undefined) {
    throw invalid(
      "token.claims",
      'an object pinning "account" and "project" for preset "zuplo-identity-token" (every Zuplo customer\'s identity tokens share one issuer)',
    );
  }
  return {
    algorithms: ["RS256"],
    issuer: ZUPLO_IDENTITY_ISSUER,
    requiredClaims: ["account", "project", "deployment"],
    discover: true,
  };
}

/**
 * Cloudflare Access (https://developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/):
 * the token is the `Cf-Access-Jwt-Assertion` header (not the `CF_Authorization` cookie, "not
 * guaranteed to be passed"), signed RS256 with keys at
 * `https://<team>.cloudflareaccess.com/cdn-cgi/access/certs` (rotated every 6 weeks, the previous key
 * kept 7 days), issuer `https://<team>.cloudflareaccess.com`, audience the application's AUD tag.
 */
function cloudflareAccess(options: TokenOptions): PresetDefaults {
  required(options, "team", "cloudflare-access");
  required(options, "audience", "cloudflare-access");
  const { team } = options;
  if (typeof team !== "string" || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(team)) {
    throw invalid(
      "token.team",
      "your Cloudflare Zero Trust team name (the <team> of <team>.cloudflareaccess.com)",
    );
  }
  const origin = `https://${team.toLowerCase()}.cloudflareaccess.com`;
  return {
    algorithms: ["RS256"],
    headerName: "cf-access-jwt-assertion",
    prefix: "",
    issuer: origin,
    jwksUrl: `${origin}/cdn-cgi/access/certs`,
  };
}

const PRESETS: Record<TokenPreset, (options: TokenOptions) => PresetDefaults> = {
  "zuplo-upstream-jwt": zuploUpstreamJwt,
  "zuplo-identity-token": zuploIdentityToken,
  "cloudflare-access": cloudflareAccess,
};

/**
 * The preset's values under the user's: what the user sets wins, except that a preset's algorithms
 * and issuer are what its gateway documents and cannot be widened by accident (an explicit
 * `algorithms` or `issuer` still replaces them). Throws a `TypeError` naming a missing option.
 */
export function applyPreset(options: TokenOptions): TokenOptions & { discover?: boolean } {
  const { preset } = options;
  if (preset === undefined) return options;
  const defaults = typeof preset === "string" ? PRESETS[preset as TokenPreset] : undefined;
  if (defaults === undefined)
    throw invalid(
      "token.preset",
      `one of ${Object.keys(PRESETS)
        .map((p) => `"${p}"`)
        .join(", ")}`,
    );
  const filled = defaults(options);
  const merged: Record<string, unknown> = { ...filled };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  if (options.jwksUrl !== undefined || options.jwks !== undefined) delete merged.discover;
  return merged as TokenOptions & { discover?: boolean };
}
