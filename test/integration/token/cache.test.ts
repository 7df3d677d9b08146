/**
 * The verified-token cache is safe: a cached token is refused from its expiry on, a token whose key
 * the gateway withdrew is refused once the keys are fetched again, and `maxTokenAge` bounds a token
 * before its `exp` does, cached or not.
 */
import { makeKey, type GatewayKey } from "../../helpers/jwks-server";
import { bearer, expectRefusal, startTokenApp, type TokenApp } from "../../helpers/token-app";
import { sleep, until } from "../../helpers/wait";

describe("the verified-token cache", () => {
  let app: TokenApp;
  let a: GatewayKey;
  let b: GatewayKey;
  beforeAll(async () => {
    [a, b] = [await makeKey("EdDSA", "key-a"), await makeKey("EdDSA", "key-b")];
    app = await startTokenApp({
      keys: [a, b],
      token: { clockTolerance: 0, maxTokenAge: 60, jwksRefreshInterval: 1000, jwksCooldown: 600000 },
    });
  });
  afterAll(() => app.close());

  it("refuses a cached token from its expiry on", async () => {
    const token = await app.sign({ expiresIn: 2 });
    expect((await app.get("/whoami", bearer(token))).status).toBe(200);
    expect((await app.get("/whoami", bearer(token))).status).toBe(200); // from the cache
    await sleep(2200);
    const late = await app.get("/whoami", bearer(token));
    expectRefusal(late, 401, "ERR_INVALID_TOKEN", "Invalid token");
    expect(app.logs()).toContain("token expired");
  });

  it("refuses a token older than maxTokenAge, even though its exp is hours away", async () => {
    const token = await app.sign({ issuedAgo: 120, expiresIn: 3600 });
    expectRefusal(await app.get("/whoami", bearer(token)), 401, "ERR_INVALID_TOKEN", "Invalid token");
  });

  it("refuses a cached token once the gateway has withdrawn its key", async () => {
    const token = await app.sign({ key: b });
    expect((await app.get("/whoami", bearer(token))).status).toBe(200);
    app.keys.publish([a]);
    // Within a background refresh (every second here), the cached verdict goes with the old key set.
    let answer = await app.get("/whoami", bearer(token));
    await until(async () => (answer = await app.get("/whoami", bearer(token))).status !== 200, 5000);
    expectRefusal(answer, 401, "ERR_INVALID_TOKEN", "Invalid token");
    expect(app.logs()).toContain("no gateway key matches its kid and alg");
    // A token of the key still published is admitted as before.
    expect((await app.get("/whoami", bearer(await app.sign({ key: a })))).status).toBe(200);
  });
});
