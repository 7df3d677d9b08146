// services/api.service.js
const ApiGateway = require("moleculer-web");
const { SharedSecretGateway } = require("moleculer-shared-secret");

module.exports = {
  name: "api",
  mixins: [SharedSecretGateway(), ApiGateway], // checks the token with the middleware's options
  settings: {
    port: Number(process.env.PORT ?? 3000),
    ip: process.env.IP ?? "127.0.0.1",
    routes: [
      {
        path: "/",
        mappingPolicy: "restrict",
        aliases: {
          "GET /whoami": "whoami.get", // locked: needs Authorization: Bearer <token>
          "GET /health": { action: "health.check", sharedSecret: false },
        },
      },
    ],
  },
};
