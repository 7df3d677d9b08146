/**
 * The accepted secrets: what the rest of the library imports about them, from one place.
 * Sets and their validation, the file format, the loaders (one per source) and the store.
 */
export { parseSecretFile } from "./file-format";
export { fileLoader } from "./file-loader";
export { SecretLoadError, type SecretLoader } from "./loader";
export { providerLoader, type SecretProvider } from "./provider-loader";
export { buildSecretSet, type SecretInput, type SecretSet, type SecretSpec } from "./set";
export { staticLoader } from "./static-loader";
export { SecretStore, type Log } from "./store";
