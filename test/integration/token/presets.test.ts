/**
 * The presets end to end, each given only what its user would set, with the keys served on
 * 127.0.0.1: Cloudflare Access (its header, issuer and RS256), Zuplo's identity token (pinned account
 * and project, a deployment) and Zuplo's upstream JWT (keys found through the OpenID configuration).
 */
import { makeKey, signToken, type GatewayKey } from "../../helpers/jwks-server";
import { bearer, expectRefusal, startTokenApp, type TokenApp } from "../../helpers/token-app";

const TEAM = "acme";
const CF_ISSUER = `https://${TEAM}.cloudflareaccess.com`;
const CF_AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
/** The issuer Zuplo documents for every identity token (the preset's). */
const ZUPLO_ISSUER = "https://dev.zuplo.com/v1/client-auth/auth_o8PUdhKxSTOiB794GWPwLQCD";
const ZUPLO_AUD = "https://api.example.test";

describe('preset "cloudflare-access", jwksUrl pointed at the local key server', () => {
  let app: TokenApp;
  let rsa: GatewayKey;
  let ed: GatewayKey;
  beforeAll(async () => {
    [rsa, ed] = [await makeKey("RS256", "cf-1"), await makeKey("EdDSA", "cf-ed")];
    app = await startTokenApp({
      keys: [rsa, ed],
      token: (keys) => ({ preset: "cloudflare-access", team: TEAM, audience: CF_AUD, jwksUrl: keys.jwksUrl }),
    });
  });
  afterAll(() => app.close());

  const assertion = (token: string) => ({ "cf-access-jwt-assertion": token });

  it("admits an RS256 token of the team's issuer in Cf-Access-Jwt-Assertion, and fetched the local JWKS", async () => {
    const token = await app.sign({ issuer: CF_ISSUER, audience: CF_AUD, claims: { email: "a@acme.test" } });
    const answer = await app.get("/whoami", assertion(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { iss: CF_ISSUER, email: "a@acme.test" } });
    expect(app.keys.fetches).toBeGreaterThanOrEqual(1);
  });

  it("refuses a token of another issuer", async () => {
    const token = await app.sign({ issuer: "https://other.cloudflareaccess.com", audience: CF_AUD });
    expectRefusal(await app.get("/whoami", assertion(token)), 401, "ERR_INVALID_TOKEN");
    expect(app.logs()).toContain("invalid token: claim iss rejected");
  });

  it("refuses an EdDSA token, even signed by a published key: the preset allows RS256 only", async () => {
    const token = await signToken({ key: ed, issuer: CF_ISSUER, audience: CF_AUD });
    expectRefusal(await app.get("/whoami", assertion(token)), 401, "ERR_INVALID_TOKEN");
    expect(app.logs()).toContain("invalid token: algorithm not allowed");
  });

  it("does not read the token from Authorization", async () => {
    const token = await app.sign({ issuer: CF_ISSUER, audience: CF_AUD });
    expectRefusal(await app.get("/whoami", bearer(token)), 401, "ERR_NO_TOKEN");
  });
});

describe('preset "zuplo-identity-token", account and project pinned', () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({
      keys: [await makeKey("RS256", "zuplo-1")],
      token: (keys) => ({
        preset: "zuplo-identity-token",
        audience: ZUPLO_AUD,
        claims: { account: "acct-1", project: "proj-1" },
        jwksUrl: keys.jwksUrl,
      }),
    });
  });
  afterAll(() => app.close());

  const identity = (claims: Record<string, string>) =>
    app.sign({ issuer: ZUPLO_ISSUER, audience: ZUPLO_AUD, claims });

  it("admits a token naming the pinned account and project and a deployment", async () => {
    const token = await identity({ account: "acct-1", project: "proj-1", deployment: "main-abc" });
    const answer = await app.get("/whoami", bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { account: "acct-1", deployment: "main-abc" } });
  });

  it.each([
    [
      "another project",
      { account: "acct-1", project: "proj-2", deployment: "main-abc" },
      "claim project rejected",
    ],
    ["no deployment", { account: "acct-1", project: "proj-1" }, "claim deployment missing"],
    [
      "another account",
      { account: "acct-2", project: "proj-1", deployment: "main-abc" },
      "claim account rejected",
    ],
  ])("refuses a token with %s", async (_name, claims, reason) => {
    expectRefusal(await app.get("/whoami", bearer(await identity(claims))), 401, "ERR_INVALID_TOKEN");
    expect(app.logs()).toContain(`invalid token: ${reason}`);
  });
});

describe('preset "zuplo-upstream-jwt", keys found through the issuer\'s OpenID configuration', () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({
      token: (keys) => ({ preset: "zuplo-upstream-jwt", issuer: keys.issuer, audience: ZUPLO_AUD }),
    });
  });
  afterAll(() => app.close());

  it("admits an EdDSA token with a subject, its keys discovered", async () => {
    expect(app.keys.fetches).toBe(1);
    const answer = await app.get(
      "/whoami",
      bearer(await app.sign({ audience: ZUPLO_AUD, subject: "key-1" })),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "key-1" } });
  });

  it("refuses a token without sub", async () => {
    const token = await app.sign({ audience: ZUPLO_AUD, subject: undefined });
    expectRefusal(await app.get("/whoami", bearer(token)), 401, "ERR_INVALID_TOKEN");
    expect(app.logs()).toContain("invalid token: claim sub missing");
  });
});
