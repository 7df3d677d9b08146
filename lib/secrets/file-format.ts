/**
 * The secret file's format: one secret per line, with optional `name=` and `notAfter=` fields.
 * Parsing only; reading the file and re-reading it are the file loader's and the store's.
 */
import { buildSecretSet, type SecretSet, type SecretSpec } from "./set";

/**
 * Parses a secret file: one secret per line; blank lines, surrounding white space and lines starting
 * with `#` are ignored. After the secret, optional `name=<label>` and `notAfter=<ISO 8601>` fields,
 * separated by white space. A secret has no white space, so it cannot be confused with a field.
 * A line without `name=` is labelled `line <n>`. Throws a `TypeError` naming the line, never quoting it.
 *
 * @example
 * ```text
 * 3f1c...e9   name=current
 * 77ab...01   name=previous notAfter=2026-12-01T00:00:00Z
 * ```
 */
export function parseSecretFile(text: string): SecretSet {
  const specs: SecretSpec[] = [];
  const lineOf: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [value, ...fields] = line.split(/\s+/);
    const spec: SecretSpec = { value };
    for (const field of fields) {
      const eq = field.indexOf("=");
      const key = eq > 0 ? field.slice(0, eq) : "";
      const fieldValue = field.slice(eq + 1);
      if (key === "name") spec.name = fieldValue;
      else if (key === "notAfter") spec.notAfter = fieldValue;
      else {
        // Never quote the field: it may be a second secret pasted on the same line.
        throw new TypeError(
          `Shared secret: line ${index + 1} of the secret file has an unknown field (expected name= or notAfter=).`,
        );
      }
    }
    specs.push(spec);
    lineOf.push(index + 1);
  });
  if (specs.length === 0) throw new TypeError("Shared secret: the secret file holds no secret.");
  return buildSecretSet(
    specs,
    (i) => `line ${lineOf[i]} of the secret file`,
    (i) => `line ${lineOf[i]}`,
  );
}
