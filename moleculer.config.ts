import type { BrokerOptions } from "moleculer";
import { SharedSecretMiddleware } from "./index";

/*
 * Reference app configuration, loaded by moleculer-runner (`npm start`). Environment overrides work
 * as usual with moleculer-runner (e.g. LOGLEVEL), and `--env` loads a `.env` file first.
 */

if ((process.env.SHARED_SECRET ?? "").trim() === "") {
  console.error(
    "SHARED_SECRET is not set: set it to the secret your API gateway sends in x-shared-secret " +
      "(e.g. SHARED_SECRET=$(openssl rand -hex 32) npm start, or a line SHARED_SECRET=... in .env).",
  );
  process.exit(1);
}

const config: BrokerOptions = {
  namespace: "",
  nodeID: null,
  logger: { type: "Console", options: { formatter: "short" } },
  logLevel: "info",
  transporter: null,
  middlewares: [SharedSecretMiddleware()],
};

export default config;
