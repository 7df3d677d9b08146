// moleculer.config.js
const { SharedSecretMiddleware } = require("moleculer-shared-secret");

module.exports = {
  logger: { type: "Console", options: { formatter: "short" } },
  // Checks the secret on every action a gateway calls; requireSecret: no secret, no start.
  middlewares: [SharedSecretMiddleware({ requireSecret: true })],
};
