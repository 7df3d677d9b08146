/**
 * Gateway-signed tokens end to end: the reference gateway over real HTTP, the middleware verifying
 * a real EdDSA JWT against a JWKS served on 127.0.0.1, the verified claims in the action's meta.
 */
import { AUDIENCE, bearer, startTokenApp, type TokenApp } from "../../helpers/token-app";

describe("a gateway that verifies the gateway's signed token", () => {
  let app: TokenApp;

  beforeAll(async () => {
    app = await startTokenApp();
  });
  afterAll(() => app.close());

  it("admits a valid token and hands its verified claims to the action", async () => {
    const token = await app.sign();
    const protectedAnswer = await app.get("/protected", bearer(token));
    expect(protectedAnswer.status).toBe(200);
    const answer = await app.get("/whoami", bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "consumer-7", iss: app.keys.issuer, aud: AUDIENCE } });
  });

  it("refuses a request without a token with 401 No token provided", async () => {
    const answer = await app.get("/protected");
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ message: "No token provided", type: "ERR_NO_TOKEN" });
  });

  it("refuses an expired token with 401 Invalid token, and never logs the token", async () => {
    const token = await app.sign({ expiresIn: -60 });
    const answer = await app.get("/protected", bearer(token));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ message: "Invalid token", type: "ERR_INVALID_TOKEN" });
    expect(app.logs()).toContain("token expired");
    expect(app.logs()).not.toContain(token.split(".")[2]);
  });
});
