/**
 * A gateway's key server on 127.0.0.1 for the token tests: real key pairs made by jose, a JWKS and
 * an OpenID configuration over real HTTP, fetch counting, and switches for outages and rotation.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from "jose";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A signing key of the fake gateway: its private half signs, its public JWK is published. */
export interface GatewayKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyLike;
  readonly jwk: JWK;
}

/** Makes a key pair for `alg` (e.g. "EdDSA", "RS256") with `kid`. */
export async function makeKey(alg: string, kid: string): Promise<GatewayKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, jwk };
}

/** How the server answers: normally, with 503, after a delay, or with an oversized body. */
export type ServerMode = "up" | "down" | "slow" | "huge" | "not-json";

export interface JwksServer {
  readonly url: string;
  /** The JWKS URL. */
  readonly jwksUrl: string;
  /** The issuer whose `/.well-known/openid-configuration` points at the JWKS. */
  readonly issuer: string;
  /** Requests for the JWKS so far. */
  readonly fetches: number;
  /** Publishes exactly these keys from now on. */
  publish(keys: readonly GatewayKey[]): void;
  mode: ServerMode;
  close(): Promise<void>;
}

/** Starts the key server on a free port of 127.0.0.1, publishing `keys`. */
export async function startJwksServer(keys: readonly GatewayKey[]): Promise<JwksServer> {
  let published = keys.map((k) => k.jwk);
  let fetches = 0;
  let mode: ServerMode = "up";
  let base = "";
  const server = http.createServer((req, res) => {
    const json = (body: unknown) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/openid-configuration") {
      return json({ issuer: base, jwks_uri: `${base}/jwks.json` });
    }
    if (req.url !== "/jwks.json") {
      res.statusCode = 404;
      return res.end();
    }
    fetches++;
    if (mode === "down") {
      res.statusCode = 503;
      return res.end();
    }
    if (mode === "slow") {
      const timer = setTimeout(() => json({ keys: published }), 2000);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (mode === "huge") return json({ keys: published, padding: "x".repeat(2_000_000) });
    if (mode === "not-json") return res.end("<html>gateway</html>");
    json({ keys: published });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    jwksUrl: `${base}/jwks.json`,
    issuer: base,
    get fetches() {
      return fetches;
    },
    publish(next) {
      published = next.map((k) => k.jwk);
    },
    get mode() {
      return mode;
    },
    set mode(next: ServerMode) {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a token is signed with and says, each part overridable to forge a hostile one. */
export interface TokenSpec {
  key: GatewayKey;
  issuer?: string;
  audience?: string | string[];
  subject?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Seconds from now. */
  notBefore?: number;
  /** Seconds ago. */
  issuedAgo?: number;
  claims?: JWTPayload;
  /** Header overrides (e.g. a `kid` the server does not publish). */
  header?: Record<string, unknown>;
  /** Leave out `exp`. */
  noExpiry?: boolean;
}

/** Signs a token as the gateway would. */
export async function signToken(spec: TokenSpec): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...spec.claims })
    .setProtectedHeader({ alg: spec.key.alg, kid: spec.key.kid, typ: "JWT", ...spec.header })
    .setIssuedAt(now - (spec.issuedAgo ?? 0));
  if (spec.issuer !== undefined) jwt.setIssuer(spec.issuer);
  if (spec.audience !== undefined) jwt.setAudience(spec.audience);
  if (spec.subject !== undefined) jwt.setSubject(spec.subject);
  if (spec.noExpiry !== true) jwt.setExpirationTime(now + (spec.expiresIn ?? 300));
  if (spec.notBefore !== undefined) jwt.setNotBefore(now + spec.notBefore);
  return jwt.sign(spec.key.privateKey);
}
