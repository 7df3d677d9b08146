// services/health.service.js
module.exports = {
  name: "health",
  sharedSecret: false, // open at the action too: the door's open alias alone is not enough
  actions: {
    check() {
      return { status: "ok" };
    },
  },
};
