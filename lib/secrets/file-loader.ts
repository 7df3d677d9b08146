/**
 * The loader for a mounted secret file (`secretFile`, `SHARED_SECRET_FILE`): read at each `load()`,
 * parsed only when its text changed; symlink swaps (Kubernetes `..data`) are followed.
 */
import fs from "node:fs";
import { parseSecretFile } from "./file-format";
import { safeReason, SecretLoadError, type SecretLoader } from "./loader";
import type { SecretSet } from "./set";

/**
 * @param path - the file, read by `load()` (never before)
 * @param refreshInterval - ms between reads while the store is started
 */
export function fileLoader(path: string, refreshInterval: number): SecretLoader {
  let last: { text: string; set: SecretSet } | null = null;
  return Object.freeze({
    description: `file ${path}`,
    refreshInterval,
    initial: null,
    load: async function loadSecretFile(): Promise<SecretSet> {
      let text: string;
      try {
        // Synchronous on purpose: the store's first load then lands within the microtasks of
        // `start()`, before any request can arrive, even when the caller does not await it (the
        // Express handler's `ready`). readFileSync follows symlinks: a swap reads like a rewrite.
        text = fs.readFileSync(path, "utf8");
      } catch (err) {
        last = null;
        throw new SecretLoadError(
          `cannot read the secret file ${path} (${safeReason(err, "unknown error")})`,
        );
      }
      if (last !== null && last.text === text) return last.set;
      try {
        last = { text, set: parseSecretFile(text) };
      } catch (err) {
        last = null;
        throw new SecretLoadError(
          `the secret file ${path} is not usable: ${safeReason(err, "unknown error")}`,
        );
      }
      return last.set;
    },
  });
}
