// keys.js: a local key set, standing in for your API gateway's (which keeps its private key to
// itself and publishes the public half at a JWKS URL). For trying tokens only.
//   node keys.js                  creates .keys/ once: an Ed25519 key pair; jwks.json is the public half
//   node keys.js token [subject]  prints a token signed as the gateway would sign one (valid 15 minutes)
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const dir = path.join(__dirname, ".keys");
const privateFile = path.join(dir, "private.pem");
const jwksFile = path.join(dir, "jwks.json");

if (!fs.existsSync(jwksFile)) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(privateFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "local-1", alg: "EdDSA", use: "sig" };
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }, null, 2));
}

if (process.argv[2] === "token") {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: process.env.TOKEN_ISSUER,
    aud: process.env.TOKEN_AUDIENCE,
    sub: process.argv[3] ?? "consumer-1",
    iat: now,
    exp: now + 15 * 60,
  };
  const body = `${part({ alg: "EdDSA", kid: "local-1", typ: "JWT" })}.${part(claims)}`;
  const key = crypto.createPrivateKey(fs.readFileSync(privateFile));
  const signature = crypto.sign(null, Buffer.from(body), key).toString("base64url");
  process.stdout.write(`${body}.${signature}\n`);
}
