/**
 * The store the middleware's options describe: the `secret` option (values or a provider), the
 * `secretFile` option, or the environment (`SHARED_SECRET`, `SHARED_SECRET_PREVIOUS`, `SHARED_SECRET_FILE`).
 */
import type { SharedSecretOptions } from "../options";
import { integer, invalid } from "../validate";
import { fileLoader } from "./file-loader";
import { providerLoader, type SecretProvider } from "./provider-loader";
import { buildSecretSet, type SecretInput } from "./set";
import { staticLoader } from "./static-loader";
import { SecretStore } from "./store";

/** Environment variable holding the current secret, read when no `secret` option is given. */
export const SECRET_ENV = "SHARED_SECRET";
/** Environment variable holding the previous secret, still accepted during a rotation. */
export const PREVIOUS_SECRET_ENV = "SHARED_SECRET_PREVIOUS";
/** Environment variable naming a file of accepted secrets (one per line), re-read while running. */
export const SECRET_FILE_ENV = "SHARED_SECRET_FILE";

function env(environment: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = (environment[name] ?? "").trim();
  return value === "" ? undefined : value;
}

/** The store for `options`; throws a `TypeError` naming a bad option or variable. */
export function storeFor(options: SharedSecretOptions, environment: NodeJS.ProcessEnv): SecretStore {
  const { secret, secretFile } = options;
  if (secret !== undefined && secretFile !== undefined) {
    throw new TypeError('Shared secret: set the "secret" option or the "secretFile" option, not both.');
  }
  if (typeof secret === "function") {
    return new SecretStore(
      providerLoader(
        secret as SecretProvider,
        integer(options.refreshInterval, "refreshInterval", 100, 60000),
        integer(options.providerTimeout, "providerTimeout", 1, 10000),
      ),
    );
  }
  if (secret !== undefined) {
    const list = Array.isArray(secret) ? (secret as readonly SecretInput[]) : [secret as SecretInput];
    if (list.length === 0) throw invalid("secret", "a secret, a non-empty array of secrets or a function");
    const single = !Array.isArray(secret);
    const set = buildSecretSet(
      list,
      (i) => (single ? '"secret" option' : `"secret[${i}]" option`),
      (i) => (single ? "secret" : `secret[${i}]`),
    );
    return new SecretStore(staticLoader(set));
  }

  const current = env(environment, SECRET_ENV);
  const previous = env(environment, PREVIOUS_SECRET_ENV);
  const file = secretFile ?? env(environment, SECRET_FILE_ENV);
  if (secretFile !== undefined && (typeof secretFile !== "string" || secretFile === "")) {
    throw invalid("secretFile", "a path");
  }
  if (file !== undefined) {
    if (current !== undefined || previous !== undefined) {
      throw new TypeError(
        `Shared secret: ${SECRET_ENV} and ${secretFile !== undefined ? '"secretFile"' : SECRET_FILE_ENV} are both set; ` +
          "use one of them (put every accepted secret in the file during a rotation).",
      );
    }
    return new SecretStore(fileLoader(file, integer(options.refreshInterval, "refreshInterval", 100, 2000)));
  }
  if (previous !== undefined && current === undefined) {
    throw new TypeError(`Shared secret: ${PREVIOUS_SECRET_ENV} is set but ${SECRET_ENV} is not; set both.`);
  }
  const inputs = current === undefined ? [] : previous === undefined ? [current] : [current, previous];
  const names = [SECRET_ENV, PREVIOUS_SECRET_ENV];
  const labels = ["current", "previous"];
  const set =
    inputs.length === 0
      ? null
      : buildSecretSet(
          inputs,
          (i) => `"${names[i]}"`,
          (i) => labels[i],
        );
  return new SecretStore(
    staticLoader(set, `no secret configured (set ${SECRET_ENV}, ${SECRET_FILE_ENV} or the "secret" option)`),
  );
}
