/**
 * The loader for a provider function (`secret: () => ...`, e.g. a vault): called at each `load()`,
 * bounded by a timeout; whatever it throws is reported without its message (it may quote a secret).
 */
import { safeReason, SecretLoadError, type SecretLoader } from "./loader";
import { buildSecretSet, type SecretInput, type SecretSet } from "./set";

/** A function returning the accepted secrets, e.g. from a vault. Called at start and on every refresh. */
export type SecretProvider = () =>
  SecretInput | readonly SecretInput[] | Promise<SecretInput | readonly SecretInput[]>;

/**
 * @param provider - called once per `load()`, never per request
 * @param refreshInterval - ms between calls while the store is started
 * @param timeout - ms after which an unanswered call counts as failed (`error ETIMEDOUT`)
 */
export function providerLoader(
  provider: SecretProvider,
  refreshInterval: number,
  timeout: number,
): SecretLoader {
  return Object.freeze({
    description: "provider",
    refreshInterval,
    initial: null,
    load: async function loadProvidedSecrets(): Promise<SecretSet> {
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          Promise.resolve().then(provider),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })),
              timeout,
            );
          }),
        ]);
        const list = Array.isArray(result) ? (result as readonly SecretInput[]) : [result as SecretInput];
        if (list.length === 0) throw new TypeError("Shared secret: the provider returned no secret.");
        return buildSecretSet(
          list,
          (i) => `secret ${i} from the provider`,
          (i) => `provider[${i}]`,
        );
      } catch (err) {
        throw new SecretLoadError(`the secret provider failed (${safeReason(err, "the provider failed")})`);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
