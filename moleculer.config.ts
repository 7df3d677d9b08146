import type { BrokerOptions } from "moleculer";
import { SECRET_ENV, SECRET_FILE_ENV, SharedSecretMiddleware } from "./index";

/*
 * Reference app configuration, loaded by moleculer-runner (`npm start`). Environment overrides work
 * as usual with moleculer-runner (e.g. LOGLEVEL), and `--env` loads a `.env` file first.
 */

/** Prints one line and exits: a misconfigured origin must not start (fail closed). */
function refuse(message: string): never {
  console.error(message);
  process.exit(1);
}

function sharedSecret() {
  if ((process.env[SECRET_ENV] ?? "").trim() === "" && (process.env[SECRET_FILE_ENV] ?? "").trim() === "") {
    refuse(
      `${SECRET_ENV} is not set: set it to the secret your API gateway sends in x-shared-secret ` +
        `(e.g. ${SECRET_ENV}=$(openssl rand -hex 32) npm start, or a line ${SECRET_ENV}=... in .env), ` +
        `or set ${SECRET_FILE_ENV} to a file of secrets.`,
    );
  }
  try {
    return SharedSecretMiddleware();
  } catch (err) {
    return refuse((err as Error).message);
  }
}

const config: BrokerOptions = {
  namespace: "",
  nodeID: null,
  logger: { type: "Console", options: { formatter: "short" } },
  logLevel: "info",
  transporter: null,
  middlewares: [sharedSecret()],
};

export default config;
