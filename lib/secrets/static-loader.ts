/**
 * The loader for secrets known at creation (the `secret` option, `SHARED_SECRET`): no I/O, no refresh.
 * With no secret configured, `load()` says so, in the words the caller chose (naming the settings).
 */
import { SecretLoadError, type SecretLoader } from "./loader";
import type { SecretSet } from "./set";

/**
 * @param set - the validated secrets, or null when none is configured
 * @param missing - the problem to report when `set` is null
 */
export function staticLoader(set: SecretSet | null, missing = "no secret configured"): SecretLoader {
  return Object.freeze({
    description: "static",
    refreshInterval: null,
    initial: set,
    load: async function loadStaticSecrets(): Promise<SecretSet> {
      if (set === null) throw new SecretLoadError(missing);
      return set;
    },
  });
}
