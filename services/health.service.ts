import "../lib/types";
import type { ServiceSchema } from "moleculer";

/** Liveness for load balancers and probes, which call the origin directly: no secret asked. */
const HealthService: ServiceSchema = {
  name: "health",
  sharedSecret: false,
  actions: {
    check() {
      return { status: "ok" };
    },
  },
};

export default HealthService;
