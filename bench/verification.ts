/**
 * Sections 1 and 4: the comparison alone, beside two common alternatives, and how its cost grows
 * with the number of accepted secrets and the length of the presented value.
 */
import { createHash } from "node:crypto";
import { bufferCheck, hmacCheck, oursCheck } from "./checks";
import { bytesPerCall, ratioPerRound, runInterleaved, type MicroVariant } from "./micro";
import { ns, nsSpread, ratio, ratioSpread, type Row } from "./report";
import { summarize } from "./stats";
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
    const s = summarize(get(variant.name));
    const isOursAccepted = variant.name === "ours: accepted";
    rows.push({
      section: "1",
      figure: `${variant.name === "harness" ? "harness alone (value.length)" : variant.name} ns/check`,
      value: ns(s.median),
      spread: nsSpread(s),
      target: isOursAccepted ? "< 150 ns" : undefined,
      pass: isOursAccepted ? s.median < 150 : undefined,
    });
  }
  for (const other of ["HMAC both sides", "Buffer.from+tSE"]) {
    const r = summarize(ratioPerRound(get(`${other}: accepted`), get("ours: accepted")));
    const isHmac = other === "HMAC both sides";
    rows.push({
      section: "1",
      figure: `${other} / ours, accepted (times slower)`,
      value: `${ratio(r.median, 1)}x`,
      spread: ratioSpread(r, 1),
      target: isHmac ? "≥ 10x" : undefined,
      pass: isHmac ? r.median >= 10 : undefined,
    });
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
      pass: isOurs ? worst === 0 : undefined,
    });
  }
  return rows;
}

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
  variants.push(
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
  const rows: Row[] = variants.map((variant) => {
    const s = summarize(get(variant.name));
    return { section: "4", figure: `${variant.name} ns/check`, value: ns(s.median), spread: nsSpread(s) };
  });

  const relative = (
    name: string,
    base: string,
    figure: string,
    target?: string,
    passes?: (median: number) => boolean,
  ): Row => {
    const r = summarize(ratioPerRound(get(name), get(base)));
    return {
      section: "4",
      figure,
      value: `${ratio(r.median, 2)}x`,
      spread: ratioSpread(r, 2),
      target,
      pass: passes?.(r.median),
    };
  };
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
      (m) => m >= 0.9 && m <= 1.1,
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
      (m) => m <= 1,
    ),
    relative(
      "8 KB value, 8 KB secret, accepted",
      "SHA-256 of an 8 KB value (yardstick)",
      "8 KB secret and value / SHA-256 of 8 KB",
    ),
  );
  return rows;
}
