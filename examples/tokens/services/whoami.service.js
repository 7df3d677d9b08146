// services/whoami.service.js
module.exports = {
  name: "whoami",
  actions: {
    get(ctx) {
      // The verified claims (never the token) of the consumer the gateway let in.
      return { consumer: ctx.meta.gatewayClaims.sub };
    },
  },
};
