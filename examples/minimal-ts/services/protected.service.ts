// services/protected.service.ts
import type { ServiceSchema } from "moleculer";

const protectedService: ServiceSchema = {
  name: "protected",
  actions: {
    access() {
      return { message: "Access granted" };
    },
  },
};

export default protectedService;
