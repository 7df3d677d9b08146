/**
 * Gateway-signed tokens end to end: the reference gateway over real HTTP, the middleware verifying
 * a real EdDSA JWT against a JWKS served on 127.0.0.1, the verified claims in the action's meta.
 */
import type { ServiceSchema } from "moleculer";
import { SharedSecretMiddleware } from "../../../index";
import { startApp, type TestApp } from "../../helpers/app";
import {
  makeKey,
  signToken,
  startJwksServer,
  type GatewayKey,
  type JwksServer,
} from "../../helpers/jwks-server";

const AUDIENCE = "https://origin.example.test";

const whoami: ServiceSchema = {
  name: "whoami",
  actions: {
    get: { handler: (ctx) => ({ claims: (ctx.meta as Record<string, unknown>).gatewayClaims ?? null }) },
  },
};

describe("a gateway that verifies the gateway's signed token", () => {
  let key: GatewayKey;
  let keys: JwksServer;
  let app: TestApp;

  beforeAll(async () => {
    key = await makeKey("EdDSA", "k1");
    keys = await startJwksServer([key]);
    app = await startApp({
      broker: {
        middlewares: [
          SharedSecretMiddleware({
            token: { jwksUrl: keys.jwksUrl, issuer: keys.issuer, audience: AUDIENCE, algorithms: ["EdDSA"] },
          }),
        ],
      },
      services: [whoami],
      apiSettings: {
        routes: [
          { path: "/", aliases: { "GET /protected": "protected.access", "GET /whoami": "whoami.get" } },
        ],
      },
    });
  });
  afterAll(async () => {
    await app.stop();
    await keys.close();
  });

  it("admits a valid token and hands its verified claims to the action", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, subject: "consumer-7" });
    const protectedAnswer = await app.get("/protected", { authorization: `Bearer ${token}` });
    expect(protectedAnswer.status).toBe(200);
    const answer = await app.get("/whoami", { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "consumer-7", iss: keys.issuer, aud: AUDIENCE } });
  });

  it("refuses a request without a token with 401 No token provided", async () => {
    const answer = await app.get("/protected");
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ message: "No token provided", type: "ERR_NO_TOKEN" });
  });

  it("refuses an expired token with 401 Invalid token, and never logs the token", async () => {
    const token = await signToken({ key, issuer: keys.issuer, audience: AUDIENCE, expiresIn: -60 });
    const answer = await app.get("/protected", { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ message: "Invalid token", type: "ERR_INVALID_TOKEN" });
    expect(app.logger.lines.join("\n")).toContain("token expired");
    expect(app.logger.lines.join("\n")).not.toContain(token.split(".")[2]);
  });
});
