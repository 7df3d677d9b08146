import type { ServiceSchema } from "moleculer";

/** The action the gateway exposes as `GET /protected`: reachable only with the shared secret. */
const ProtectedService: ServiceSchema = {
  name: "protected",
  actions: {
    access() {
      return { message: "Access granted" };
    },
  },
};

export default ProtectedService;
