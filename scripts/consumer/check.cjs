// Shared by the consumer apps: a real broker with the middleware, a real moleculer-web gateway on
// 127.0.0.1, and the answers over HTTP. Exits non-zero on the first wrong answer.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { ServiceBroker } = require("moleculer");
const ApiGateway = require("moleculer-web");

const crypto = require("node:crypto");

const SECRET = "consumer-secret-4e5f60718293a4b5c6d7e8f9a0b1c2d3";

/** A gateway's EdDSA key and a token it signed (made with Node's crypto: the fixture forges its own). */
function gatewayToken(claims) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: "EdDSA", kid: "k1" })}.${part({ ...claims, iat: now, exp: now + 300 })}`;
  const signature = crypto.sign(null, Buffer.from(body), privateKey).toString("base64url");
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "EdDSA" };
  return { jwks: { keys: [jwk] }, token: `${body}.${signature}` };
}

/** Runs `expectations` ([path, headers, status, message]) against `base`; throws on the first miss. */
async function expectAnswers(label, base, expectations) {
  for (const [path, headers, status, message] of expectations) {
    const res = await fetch(base + path, { headers });
    const body = await res.json();
    if (res.status !== status || (message !== undefined && body.message !== message)) {
      throw new Error(
        `${label}: GET ${path} answered ${res.status} ${JSON.stringify(body)}, expected ${status}`,
      );
    }
  }
}

/** The gateway-signed token path: jose loaded by this consumer's module system, a real gateway. */
async function checkTokens(lib, label) {
  const issuer = "https://gateway.consumer.test";
  const audience = "https://origin.consumer.test";
  const { jwks, token } = gatewayToken({ iss: issuer, aud: audience, sub: "consumer-1" });
  const broker = new ServiceBroker({
    logger: false,
    transporter: null,
    middlewares: [lib.SharedSecretMiddleware({ token: { jwks, issuer, audience, algorithms: ["EdDSA"] } })],
  });
  broker.createService({
    name: "whoami",
    actions: { get: (ctx) => ({ message: `hello ${ctx.meta.gatewayClaims.sub}` }) },
  });
  const api = broker.createService({
    name: "api",
    mixins: [lib.SharedSecretGateway(), ApiGateway],
    settings: { port: 0, ip: "127.0.0.1", routes: [{ path: "/", aliases: { "GET /whoami": "whoami.get" } }] },
  });
  await broker.start();
  const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(86)}`;
  try {
    await expectAnswers(`${label} (token)`, `http://127.0.0.1:${api.server.address().port}`, [
      ["/whoami", {}, 401, "No token provided"],
      ["/whoami", { authorization: `Bearer ${forged}` }, 401, "Invalid token"],
      ["/whoami", { authorization: `Bearer ${token}` }, 200, "hello consumer-1"],
    ]);
  } finally {
    await broker.stop();
  }
}

module.exports = async function check(lib, label) {
  const broker = new ServiceBroker({
    logger: false,
    transporter: null,
    cacher: "Memory",
    middlewares: [lib.SharedSecretMiddleware({ secret: SECRET })],
  });
  broker.createService({
    name: "greeter",
    actions: {
      hello: { cache: true, handler: () => ({ message: "Access granted" }) },
      ping: { sharedSecret: false, handler: () => ({ status: "ok" }) },
    },
  });
  const api = broker.createService({
    name: "api",
    mixins: [lib.SharedSecretGateway(), ApiGateway],
    settings: {
      port: 0,
      ip: "127.0.0.1",
      routes: [
        {
          path: "/",
          aliases: {
            "GET /protected": "greeter.hello",
            "GET /health": { action: "greeter.ping", sharedSecret: false },
            // An alias function calling the broker: checked at the door all the same.
            "GET /report"(req, res) {
              return this.broker.call("greeter.hello").then((r) => res.end(JSON.stringify(r)));
            },
          },
        },
      ],
    },
  });
  await broker.start();
  const base = `http://127.0.0.1:${api.server.address().port}`;
  const expectations = [
    ["/protected", {}, 401, "No secret provided"],
    ["/protected", { "x-shared-secret": "wrong" }, 401, "Invalid secret"],
    ["/protected", { "x-shared-secret": SECRET }, 200, "Access granted"],
    ["/protected", {}, 401, "No secret provided"], // cached now: still refused
    ["/report", {}, 401, "No secret provided"],
    ["/report", { "x-shared-secret": SECRET }, 200, "Access granted"],
    ["/health", {}, 200, undefined],
  ];
  try {
    await expectAnswers(label, base, expectations);
    if (!(new lib.SharedSecretError("Invalid secret", lib.ERR_INVALID_SECRET) instanceof Error)) {
      throw new Error(`${label}: SharedSecretError is not an Error`);
    }
  } finally {
    await broker.stop();
  }
  await checkTokens(lib, label);
  const moleculer = broker.MOLECULER_VERSION;
  // moleculer-web's "exports" may hide its package.json: read it next to its entry point.
  const webDir = path.dirname(require.resolve("moleculer-web"));
  const web = JSON.parse(fs.readFileSync(path.join(webDir, "package.json"), "utf8")).version;
  console.log(`${label}: ok (node ${process.version}, moleculer ${moleculer}, moleculer-web ${web})`);
};
