/**
 * The one shape every secret source has for the store: a description, a refresh interval, and
 * `load()`, which answers a set or throws a {@link SecretLoadError} whose message is safe to log.
 */
import type { SecretSet } from "./set";

/** A source of accepted secrets, as the {@link SecretStore} sees it. Does no I/O until `load()`. */
export interface SecretLoader {
  /** Names the source in log lines ("file /run/secrets/x", "provider", "static"). */
  readonly description: string;
  /** How often, in ms, the store calls `load()` again while started; `null` for never. */
  readonly refreshInterval: number | null;
  /** The set known without any I/O, in force before the store starts: a static set, or null. */
  readonly initial: SecretSet | null;
  /**
   * Reads the source. Returns the same set object while the source is unchanged, so the store can
   * skip it; throws a {@link SecretLoadError} (and only that) when the source is unusable.
   */
  load(): Promise<SecretSet>;
}

/** Why a source is unusable, in words safe to log: they never quote a value read from it. */
export class SecretLoadError extends Error {
  override readonly name = "SecretLoadError";
}

/**
 * What may be said about an error from a source: our own `Shared secret:` TypeErrors and file-system
 * codes, never an arbitrary message that might quote data (a vault client's, a parser's).
 */
export function safeReason(err: unknown, otherwise: string): string {
  if (err instanceof TypeError && err.message.startsWith("Shared secret:")) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? `error ${code}` : otherwise;
}
