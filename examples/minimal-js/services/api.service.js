// services/api.service.js
const ApiGateway = require("moleculer-web");
const { SharedSecretGateway } = require("moleculer-shared-secret");

module.exports = {
  name: "api",
  // The door checks every request before moleculer-web reads it (any order with ApiGateway).
  mixins: [SharedSecretGateway(), ApiGateway],
  settings: {
    // Merged with moleculer-web's defaults: keep your own port, ip, cors, ... here.
    port: Number(process.env.PORT ?? 3000),
    ip: process.env.IP ?? "127.0.0.1",
    routes: [
      {
        path: "/",
        mappingPolicy: "restrict", // only the aliases below
        aliases: {
          "GET /protected": "protected.access", // locked: needs x-shared-secret
          "GET /health": { action: "health.check", sharedSecret: false }, // open at the door
        },
      },
    ],
  },
};
