#!/usr/bin/env node
// A local key set standing in for an API gateway's, to try the reference app with tokens (README,
// docs/tokens.md "Trying it"). For trying only: a real gateway keeps its private key to itself.
//   npm run token:demo -- keys   writes .demo-keys/ (an Ed25519 pair; jwks.json is the public half)
//                                and prints the TOKEN_* settings that make the app accept its tokens
//   npm run token:demo           prints a token signed with that key, valid 15 minutes
//   npm run token:demo -- token <subject>
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const ISSUER = "https://gateway.local.test";
export const AUDIENCE = "https://origin.local.test";
const dir = path.resolve(process.env.DEMO_KEYS_DIR ?? ".demo-keys");
const privateFile = path.join(dir, "private.pem");
const jwksFile = path.join(dir, "jwks.json");

const [command = "token", subject = "consumer-1"] = process.argv.slice(2);
if (command === "keys") {
  if (!fs.existsSync(jwksFile)) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(privateFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    const jwk = { ...publicKey.export({ format: "jwk" }), kid: "demo-1", alg: "EdDSA", use: "sig" };
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }, null, 2));
  }
  console.log(
    `TOKEN_JWKS_FILE=${jwksFile}\nTOKEN_ISSUER=${ISSUER}\nTOKEN_AUDIENCE=${AUDIENCE}\nTOKEN_ALGORITHMS=EdDSA`,
  );
} else if (command === "token") {
  if (!fs.existsSync(privateFile)) {
    console.error(`no key in ${dir}: run \`npm run token:demo -- keys\` first`);
    process.exit(1);
  }
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: subject, iat: now, exp: now + 15 * 60 };
  const body = `${part({ alg: "EdDSA", kid: "demo-1", typ: "JWT" })}.${part(claims)}`;
  const signature = crypto.sign(
    null,
    Buffer.from(body),
    crypto.createPrivateKey(fs.readFileSync(privateFile)),
  );
  console.log(`${body}.${signature.toString("base64url")}`);
} else {
  console.error("usage: npm run token:demo [-- keys | -- token <subject>]");
  process.exit(1);
}
