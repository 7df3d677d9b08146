/**
 * Forms a value could take in a log line, a span or a body: plain, JSON-escaped, base64 (at the
 * three alignments it can have inside a larger blob, so an embedded value is found too), base64url,
 * URL-encoded, hex in both cases, and latin1-as-UTF-8 mojibake. Leading and trailing characters that
 * depend on the neighbours are trimmed from the base64 forms.
 */
export function encodings(value: string): string[] {
  const forms = new Set<string>([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  forms.add(Buffer.from(value).toString("hex"));
  forms.add(Buffer.from(value).toString("hex").toUpperCase());
  forms.add(Buffer.from(Buffer.from(value, "latin1").toString("utf8")).toString());
  for (let pad = 0; pad < 3; pad++) {
    for (const kind of ["base64", "base64url"] as const) {
      const encoded = Buffer.concat([Buffer.alloc(pad), Buffer.from(value)]).toString(kind);
      const start = Math.ceil((pad * 4) / 3) + 1;
      forms.add(encoded.slice(start, encoded.length - 4));
    }
  }
  return [...forms].filter((form) => form.length >= 8);
}

/** First form of any of `values` found in `text`, or undefined. */
export function findLeak(
  text: string,
  values: readonly string[],
): { value: string; form: string; at: string } | undefined {
  for (const value of values) {
    for (const form of encodings(value)) {
      const index = text.indexOf(form);
      if (index >= 0)
        return { value, form, at: text.slice(Math.max(0, index - 300), index + form.length + 100) };
    }
  }
  return undefined;
}
