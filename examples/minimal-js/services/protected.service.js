// services/protected.service.js
module.exports = {
  name: "protected",
  actions: {
    access() {
      return { message: "Access granted" };
    },
  },
};
