// moleculer.config.js
const fs = require("node:fs");
const path = require("node:path");
const { SharedSecretMiddleware } = require("moleculer-shared-secret");

// The gateway's public keys. With a real gateway: `jwksUrl: "https://.../jwks.json"` instead.
const jwks = JSON.parse(fs.readFileSync(path.join(__dirname, ".keys/jwks.json"), "utf8"));

module.exports = {
  logger: { type: "Console", options: { formatter: "short" } },
  middlewares: [
    SharedSecretMiddleware({
      requireSecret: true, // no keys, no start
      token: {
        jwks,
        issuer: process.env.TOKEN_ISSUER,
        audience: process.env.TOKEN_AUDIENCE,
        algorithms: ["EdDSA"],
      },
    }),
  ],
};
