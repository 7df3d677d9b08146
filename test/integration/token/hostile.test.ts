/**
 * Hostile tokens at the reference gateway's front door: each one forged, tampered, misplaced or out
 * of date is refused with 401 and a reason in the log, never a 500 and never a grant, and the token
 * appears in no answer and no log line (trace level included).
 */
import { exportSPKI, importJWK, SignJWT, type JWTPayload, type KeyLike } from "jose";
import { makeKey, signToken, type GatewayKey, type TokenSpec } from "../../helpers/jwks-server";
import {
  AUDIENCE,
  bearer,
  expectNoTrace,
  expectRefusal,
  rawGet,
  startTokenApp,
  type TokenApp,
} from "../../helpers/token-app";

/** A part of a compact JWS, encoded by hand (the forger's way). */
const part = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** What one hostile case sends: a path, headers (raw name/value pairs to repeat one), and the token to hunt for in logs and answers. */
interface Hostile {
  path?: string;
  headers: Record<string, string> | string[];
  token: string;
}

interface Forge {
  app: TokenApp;
  /** A token the origin accepts, with `spec` over it. */
  valid(spec?: Partial<TokenSpec>): Promise<string>;
  /** The claims of a valid token, to forge with. */
  claims(): JWTPayload;
  rsa: GatewayKey;
}

const asBearer = (token: string): Hostile => ({ headers: bearer(token), token });

/** HS256 over the claims with `secret`, in the header the published key's kid. */
const hmac = (f: Forge, secret: Uint8Array) =>
  new SignJWT(f.claims()).setProtectedHeader({ alg: "HS256", kid: f.app.key.kid, typ: "JWT" }).sign(secret);

const swapPart = (token: string, index: number, value: unknown) =>
  token
    .split(".")
    .map((p, i) => (i === index ? part(value) : p))
    .join(".");

type Case = [name: string, make: (f: Forge) => Promise<Hostile>, type: string, reason: string];

const INVALID = "ERR_INVALID_TOKEN";

const cases: Case[] = [
  [
    "an unsigned token (alg none)",
    async (f) => asBearer(`${part({ alg: "none", typ: "JWT" })}.${part(f.claims())}.`),
    INVALID,
    "algorithm not allowed",
  ],
  [
    "HS256 keyed with the public key's raw x bytes (algorithm confusion)",
    async (f) => asBearer(await hmac(f, Buffer.from(String(f.app.key.jwk.x), "base64url"))),
    INVALID,
    "algorithm not allowed",
  ],
  [
    "HS256 keyed with the public JWK's x text",
    async (f) => asBearer(await hmac(f, new TextEncoder().encode(String(f.app.key.jwk.x)))),
    INVALID,
    "algorithm not allowed",
  ],
  [
    "HS256 keyed with the public key's SPKI PEM",
    async (f) => {
      const pem = await exportSPKI((await importJWK(f.app.key.jwk, "EdDSA")) as KeyLike);
      return asBearer(await hmac(f, new TextEncoder().encode(pem)));
    },
    INVALID,
    "algorithm not allowed",
  ],
  [
    "HS256 keyed with a published RSA key's modulus",
    async (f) => asBearer(await hmac(f, Buffer.from(String(f.rsa.jwk.n), "base64url"))),
    INVALID,
    "algorithm not allowed",
  ],
  [
    "a token signed by a published key of an algorithm not accepted (RS256)",
    async (f) => asBearer(await f.valid({ key: f.rsa })),
    INVALID,
    "algorithm not allowed",
  ],
  [
    "a token signed by a key not in the JWKS, under the published kid",
    async (f) => asBearer(await f.valid({ key: await makeKey("EdDSA", f.app.key.kid) })),
    INVALID,
    "bad signature",
  ],
  [
    "a token carrying its own key in an embedded jwk header",
    async (f) => {
      const attacker = await makeKey("EdDSA", "attacker");
      return asBearer(await f.valid({ key: attacker, header: { kid: undefined, jwk: attacker.jwk } }));
    },
    INVALID,
    "bad signature",
  ],
  [
    "a tampered payload (sub changed, signature kept)",
    async (f) => asBearer(swapPart(await f.valid(), 1, { ...f.claims(), sub: "admin" })),
    INVALID,
    "bad signature",
  ],
  [
    "a tampered header (a field added, signature kept)",
    async (f) =>
      asBearer(swapPart(await f.valid(), 0, { alg: "EdDSA", kid: f.app.key.kid, typ: "JWT", x: 1 })),
    INVALID,
    "bad signature",
  ],
  ["an expired token", async (f) => asBearer(await f.valid({ expiresIn: -60 })), INVALID, "token expired"],
  [
    "a token not yet valid (nbf a minute ahead, beyond the 5 s tolerance)",
    async (f) => asBearer(await f.valid({ notBefore: 60 })),
    INVALID,
    "claim nbf rejected",
  ],
  [
    "a token from another issuer",
    async (f) => asBearer(await f.valid({ issuer: "https://evil.example.test" })),
    INVALID,
    "claim iss rejected",
  ],
  [
    "a token without iss",
    async (f) => asBearer(await f.valid({ issuer: undefined })),
    INVALID,
    "claim iss missing",
  ],
  [
    "a token for another audience",
    async (f) => asBearer(await f.valid({ audience: "https://other.example.test" })),
    INVALID,
    "claim aud rejected",
  ],
  [
    "a token without aud",
    async (f) => asBearer(await f.valid({ audience: undefined })),
    INVALID,
    "claim aud missing",
  ],
  [
    "a token without a required claim (sub)",
    async (f) => asBearer(await f.valid({ subject: undefined })),
    INVALID,
    "claim sub missing",
  ],
  [
    "a token whose pinned claim has another value",
    async (f) => asBearer(await f.valid({ claims: { tenant: "evil" } })),
    INVALID,
    "claim tenant rejected",
  ],
  [
    "a token without the pinned claim",
    async (f) => asBearer(await f.valid({ claims: {} })),
    INVALID,
    "claim tenant rejected",
  ],
  [
    "a token without exp",
    async (f) => asBearer(await f.valid({ noExpiry: true })),
    INVALID,
    "claim exp missing",
  ],
  [
    "a token of two parts",
    async () => asBearer(`${part({ alg: "EdDSA" })}.${part({})}`),
    INVALID,
    "malformed token",
  ],
  [
    "a token of four parts",
    async (f) => asBearer(`${await f.valid()}.${part("more")}`),
    INVALID,
    "malformed token",
  ],
  ["a token that is not base64url", async () => asBearer("!!!!.@@@@.####"), INVALID, "malformed token"],
  [
    "a token whose parts are not JSON",
    async () => asBearer(`${part("not json at all")}.${part("{also not")}.${part("signature-bytes")}`),
    INVALID,
    "malformed token",
  ],
  [
    "a valid token without the Bearer prefix",
    async (f) => {
      const token = await f.valid();
      return { headers: { authorization: token }, token };
    },
    INVALID,
    'no "Bearer" prefix',
  ],
  [
    "a valid token under another scheme (Basic)",
    async (f) => {
      const token = await f.valid();
      return { headers: { authorization: `Basic ${token}` }, token };
    },
    INVALID,
    'no "Bearer" prefix',
  ],
  [
    "two authorization headers, both valid tokens (Node keeps only the first)",
    async (f) => {
      const [first, second] = [await f.valid(), await f.valid({ subject: "second" })];
      return {
        headers: ["authorization", `Bearer ${first}`, "authorization", `Bearer ${second}`],
        token: first,
      };
    },
    INVALID,
    "header sent more than once",
  ],
  [
    "a valid token in the query string and no header",
    async (f) => {
      const token = await f.valid();
      return { path: `/whoami?authorization=${encodeURIComponent(`Bearer ${token}`)}`, headers: {}, token };
    },
    "ERR_NO_TOKEN",
    "missing token: no token",
  ],
];

describe("hostile tokens at the gateway", () => {
  let app: TokenApp;
  let forge: Forge;

  beforeAll(async () => {
    const rsa = await makeKey("RS256", "r1");
    app = await startTokenApp({
      keys: [await makeKey("EdDSA", "k1"), rsa],
      token: { requiredClaims: ["sub"], claims: { tenant: "acme" } },
    });
    const claims = () => ({
      iss: app.keys.issuer,
      aud: AUDIENCE,
      sub: "consumer-7",
      tenant: "acme",
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
    });
    forge = { app, rsa, claims, valid: (spec) => app.sign({ claims: { tenant: "acme" }, ...spec }) };
  });
  afterAll(() => app.close());

  it("admits the valid token the hostile ones are made from", async () => {
    const answer = await app.get("/whoami", bearer(await forge.valid()));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "consumer-7", tenant: "acme" } });
  });

  it.each(cases.map((c, i) => [...c, i] as const))(
    "refuses %s with 401, logs why, and leaves no trace of it",
    async (_name, make, type, reason, i) => {
      const hostile = await make(forge);
      const id = `hostile-${i}`;
      const path = hostile.path ?? "/whoami";
      const answer = Array.isArray(hostile.headers)
        ? await rawGet(app.port, path, [...hostile.headers, "x-request-id", id])
        : await app.get(path, { ...hostile.headers, "x-request-id": id });
      expectRefusal(answer, 401, type);
      const line = app.logger.lines.find((l) => l.includes(`request ${id}.`));
      expect(line).toContain(reason.includes(":") ? reason : `invalid token: ${reason}`);
      expectNoTrace([...app.logger.lines, answer.text], hostile.token);
    },
  );

  it("refuses a token over maxTokenLength before parsing it: no key fetch for its unknown kid", async () => {
    const fetches = app.keys.fetches;
    const token = await forge.valid({
      header: { kid: "never-published" },
      claims: { pad: "x".repeat(9000) },
    });
    const answer = await app.get("/whoami", bearer(token, { "x-request-id": "too-large" }));
    expectRefusal(answer, 401, INVALID, "Invalid token");
    expect(app.logger.lines.find((l) => l.includes("request too-large."))).toContain("token too large");
    expect(app.keys.fetches).toBe(fetches);
    expectNoTrace(app.logger.lines, token);
  });

  it("keeps every token, even refused ones, out of every log line", async () => {
    const token = await signToken({ key: forge.rsa, issuer: app.keys.issuer, audience: AUDIENCE });
    await app.get("/whoami", bearer(token));
    expectNoTrace(app.logger.lines, token);
    expect(app.logs()).not.toMatch(/eyJ[\w-]{10,}\.eyJ/);
  });
});
