/**
 * Sections 1 and 4: the comparison alone, beside two common alternatives, and how its cost grows
 * with the number of accepted secrets and the length of the presented value.
 */
import { createHash } from "node:crypto";
import { bufferCheck, hmacCheck, oursCheck } from "./checks";
import { bytesPerCall, ratioPerRound, runInterleaved, type MicroVariant } from "./micro";
import { aaRow, judgedRow, ns, ratio, type Row } from "./report";
import { pairedDifferences } from "./stats";
import { copies, lastCharWrong, makeSecret } from "./values";

export interface MicroSettings {
  rounds: number;
  sampleMs: number;
}

/** Section 1: ns per check and allocation, ours beside HMAC and Buffer.from. */
export function verificationRows({ rounds, sampleMs }: MicroSettings): Row[] {
  const secret = makeSecret(64);
  const inputs = {
    accepted: copies(secret),
    "wrong, same length": copies(lastCharWrong(secret)),
    "other length (40)": copies(secret.slice(0, 40)),
  };
  const methods = {
    ours: oursCheck([secret]),
    "HMAC both sides": hmacCheck(secret),
    "Buffer.from+tSE": bufferCheck(secret),
  };
  const variants: MicroVariant[] = [
    { name: "harness", run: (value: string) => value.length, inputs: inputs.accepted },
    // The A/A control: the very matcher of "ours" again, as one more variant (two matchers of one
    // secret differed by 0.6 ns, CI 0.1-1.1 ns, in a full run: their data's layout, as in section 4).
    { name: "ours again: accepted", run: methods.ours, inputs: inputs.accepted },
  ];
  for (const [method, run] of Object.entries(methods)) {
    for (const [input, values] of Object.entries(inputs)) {
      variants.push({ name: `${method}: ${input}`, run, inputs: values });
    }
  }
  // Sanity: each method must accept the secret and refuse the others, or the timings mean nothing.
  for (const [method, run] of Object.entries(methods)) {
    const answers = Object.values(inputs).map((values) => run(values[0]));
    if (answers.join() !== "true,false,false") throw new Error(`${method} answers ${answers.join()}`);
  }

  const results = runInterleaved(variants, { rounds, sampleMs });
  const get = (name: string): number[] => results.get(name) as number[];
  const rows: Row[] = [];
  for (const variant of variants) {
    if (variant.name === "ours again: accepted") continue;
    const isOursAccepted = variant.name === "ours: accepted";
    rows.push(
      judgedRow(
        "1",
        `${variant.name === "harness" ? "harness alone (value.length)" : variant.name} ns/check`,
        get(variant.name),
        ns,
        isOursAccepted ? { text: "< 150 ns", bounds: { max: 150 } } : undefined,
      ),
    );
  }
  rows.push(
    aaRow(
      "1",
      "ours again − ours, accepted (the same matcher, twice)",
      pairedDifferences(get("ours again: accepted"), get("ours: accepted")),
      ns,
    ),
  );
  for (const other of ["HMAC both sides", "Buffer.from+tSE"]) {
    const isHmac = other === "HMAC both sides";
    rows.push(
      judgedRow(
        "1",
        `${other} / ours, accepted (times slower)`,
        ratioPerRound(get(`${other}: accepted`), get("ours: accepted")),
        (v) => `${ratio(v, 1)}x`,
        isHmac ? { text: "≥ 10x", bounds: { min: 10 } } : undefined,
      ),
    );
  }
  for (const method of Object.keys(methods)) {
    const worst = Math.max(
      ...Object.keys(inputs).map((input) =>
        bytesPerCall(variants.find((v) => v.name === `${method}: ${input}`) as MicroVariant),
      ),
    );
    const isOurs = method === "ours";
    rows.push({
      section: "1",
      figure: `${method}: heap bytes allocated per check (worst input)`,
      value: `${worst.toFixed(0)} B`,
      spread: "median of 15 × 1,000 checks",
      target: isOurs ? "0 B" : undefined,
      verdict: isOurs ? (worst === 0 ? "PASS" : "MISS") : undefined,
    });
  }
  return rows;
}

/** Section 4's A/A control: one secret again, the same matcher. */
const AGAIN = "1 secret again, value matches the last";

/** Section 4: growth with the number of secrets and with the presented value's length. */
export function growthRows({ rounds, sampleMs }: MicroSettings): Row[] {
  const sets = new Map<number, string[]>();
  for (const n of [1, 2, 4, 16])
    sets.set(
      n,
      Array.from({ length: n }, () => makeSecret(64)),
    );
  const sixteen = sets.get(16) as string[];
  const one = sets.get(1) as string[];
  const long = makeSecret(8192);
  const sha256 = (value: string): Buffer => createHash("sha256").update(value).digest();

  const variants: MicroVariant[] = [];
  for (const [n, secrets] of sets) {
    variants.push({
      name: `${n} secret${n === 1 ? "" : "s"}, value matches the last`,
      run: oursCheck(secrets),
      inputs: copies(secrets[n - 1]),
    });
  }
  // The A/A control: the very matcher of "1 secret" again, as one more variant (two matchers of one
  // secret differed by 0.7 ns, CI 0.3-1.7 ns, in a full run: their data's layout, not the harness).
  const oneSecret = variants[0];
  variants.push(
    { name: AGAIN, run: oneSecret.run, inputs: copies(one[0]) },
    { name: "16 secrets, value matches the first", run: oursCheck(sixteen), inputs: copies(sixteen[0]) },
    {
      name: "16 secrets, value matches none",
      run: oursCheck(sixteen),
      inputs: copies(lastCharWrong(sixteen[0])),
    },
  );
  for (const [label, length] of [
    ["16 B", 16],
    ["1 KB", 1024],
    ["8 KB", 8192],
  ] as const) {
    variants.push({
      name: `value of ${label}, one 64-char secret`,
      run: oursCheck(one),
      inputs: copies(makeSecret(length)),
    });
  }
  variants.push(
    { name: "SHA-256 of an 8 KB value (yardstick)", run: sha256, inputs: copies(makeSecret(8192)) },
    { name: "8 KB value, 8 KB secret, accepted", run: oursCheck([long]), inputs: copies(long) },
  );

  const results = runInterleaved(variants, { rounds, sampleMs });
  const get = (name: string): number[] => results.get(name) as number[];
  const rows: Row[] = variants
    .filter((variant) => variant.name !== AGAIN)
    .map((variant) => judgedRow("4", `${variant.name} ns/check`, get(variant.name), ns));
  rows.push(
    aaRow(
      "4",
      "1 secret, matches the last: the same matcher, twice",
      pairedDifferences(get(AGAIN), get("1 secret, value matches the last")),
      ns,
    ),
  );

  const relative = (
    name: string,
    base: string,
    figure: string,
    target?: string,
    bounds?: { min?: number; max?: number },
  ): Row =>
    judgedRow(
      "4",
      figure,
      ratioPerRound(get(name), get(base)),
      (v) => `${ratio(v, 2)}x`,
      target === undefined || bounds === undefined ? undefined : { text: target, bounds },
    );
  const single = "1 secret, value matches the last";
  for (const n of [2, 4, 16]) {
    rows.push(relative(`${n} secrets, value matches the last`, single, `${n} secrets / 1 secret`));
  }
  rows.push(
    relative(
      "16 secrets, value matches the first",
      "16 secrets, value matches the last",
      "16 secrets: match first / match last",
      "0.9 – 1.1",
      { min: 0.9, max: 1.1 },
    ),
    relative(
      "value of 8 KB, one 64-char secret",
      "value of 16 B, one 64-char secret",
      "8 KB value / 16 B value (64-char secret)",
    ),
    relative(
      "value of 8 KB, one 64-char secret",
      "SHA-256 of an 8 KB value (yardstick)",
      "8 KB value / SHA-256 of 8 KB",
      "≤ 1",
      { max: 1 },
    ),
    relative(
      "8 KB value, 8 KB secret, accepted",
      "SHA-256 of an 8 KB value (yardstick)",
      "8 KB secret and value / SHA-256 of 8 KB",
    ),
  );
  return rows;
}
