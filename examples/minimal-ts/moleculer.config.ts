// moleculer.config.ts
import type { BrokerOptions } from "moleculer";
import { SharedSecretMiddleware } from "moleculer-shared-secret";

const config: BrokerOptions = {
  logger: { type: "Console", options: { formatter: "short" } },
  // Checks the secret on every action a gateway calls; requireSecret: no secret, no start.
  middlewares: [SharedSecretMiddleware({ requireSecret: true })],
};

export default config;
