// services/health.service.ts
import type { ServiceSchema } from "moleculer";

const health: ServiceSchema = {
  name: "health",
  sharedSecret: false, // open at the action too: the door's open alias alone is not enough
  actions: {
    check() {
      return { status: "ok" };
    },
  },
};

export default health;
