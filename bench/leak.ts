/**
 * Timing-leak check in the style of Node's test/pummel/test-crypto-timing-safe-equal-benchmarks.js:
 * many single-call timings of two classes of input, interleaved in random order, outliers cut,
 * Welch's t-test on the two means. |t| under 4.5 passes. A negative control, the same harness on a
 * comparison known to leak, must be detected, or the harness proves nothing.
 */
import { bufferCheck, earlyExitCheck, oursCheck, type Check } from "./checks";
import { ratio, type Row } from "./report";
import { cutOutliers, mean, welchT } from "./stats";
import { makeSecret } from "./values";

export const T_THRESHOLD = 4.5;

let kept = 0;
function timeOne(check: Check, value: string): number {
  const start = process.hrtime.bigint();
  const result = check(value);
  const elapsed = Number(process.hrtime.bigint() - start);
  if (result) kept++;
  return elapsed;
}

export interface LeakResult {
  t: number;
  meanA: number;
  meanB: number;
}

/**
 * One class of presented values: the first `length` characters of the secret followed by one more
 * character, with the character at `wrongAt` changed (or none when `wrongAt` is -1).
 */
export interface Variant {
  length: number;
  wrongAt: number;
}

/**
 * Builds the values of one class from a single source buffer holding the secret, so that the two
 * classes differ only in content: no class has its own source memory whose cache state could tell
 * the classes apart (an A/A run showed such a bias with one source buffer per class).
 */
function valueMaker(secret: string): (variant: Variant) => string {
  const source = Buffer.from(`${secret}0`, "latin1");
  return function makeValue({ length, wrongAt }) {
    if (wrongAt < 0) return source.toString("latin1", 0, length);
    source[wrongAt] ^= 1; // another printable character: 0-9 a-f map to 1 0 3 2 ... ` g d e
    const value = source.toString("latin1", 0, length);
    source[wrongAt] ^= 1;
    return value;
  };
}

/**
 * Interleaved single-call timings of class A and class B, in random order, then Welch's t. As in
 * Node's test, the values of each pair are made just before it (untimed), so both present freshly
 * written memory, like a header the HTTP parser has just produced.
 */
export function leakT(
  check: Check,
  secret: string,
  classA: Variant,
  classB: Variant,
  samples: number,
): LeakResult {
  const make = valueMaker(secret);
  const a = new Array<number>(samples);
  const b = new Array<number>(samples);
  const warmUp = 2000;
  for (let i = -warmUp; i < samples; i++) {
    const va = make(classA);
    const vb = make(classB);
    let ta: number;
    let tb: number;
    if (Math.random() < 0.5) {
      ta = timeOne(check, va);
      tb = timeOne(check, vb);
    } else {
      tb = timeOne(check, vb);
      ta = timeOne(check, va);
    }
    if (i >= 0) {
      a[i] = ta;
      b[i] = tb;
    }
  }
  const cutA = cutOutliers(a);
  const cutB = cutOutliers(b);
  return { t: welchT(cutA, cutB), meanA: mean(cutA), meanB: mean(cutB) };
}

export interface LeakSettings {
  samples: number;
  secretLength: number;
}

export function leakRows({ samples, secretLength }: LeakSettings): Row[] {
  const secret = makeSecret(secretLength);
  const firstWrong: Variant = { length: secretLength, wrongAt: 0 };
  const lastWrong: Variant = { length: secretLength, wrongAt: secretLength - 1 };
  const longer: Variant = { length: secretLength + 1, wrongAt: -1 };
  const longer2: Variant = { length: secretLength + 2, wrongAt: -1 };
  const size = `${secretLength / 1024} KB secret`;
  // true: must leak (negative control); false: must not; null: informational, no target.
  const cases: [string, Check, Variant, Variant, boolean | null][] = [
    [
      `calibration: ours, ${size}: the same wrong value in both classes`,
      oursCheck([secret]),
      lastWrong,
      lastWrong,
      false,
    ],
    [`ours, ${size}: first char wrong vs last char wrong`, oursCheck([secret]), firstWrong, lastWrong, false],
    // Ours encodes the value once (UTF-8), which costs per character of the value: these two rows
    // show that cost is the same step from S to S+1 characters as from S+1 to S+2, i.e. it follows
    // the value's own length (which its sender knows), with nothing special where it equals the secret's.
    [`ours, ${size}: one char longer vs last char wrong`, oursCheck([secret]), longer, lastWrong, null],
    [`ours, ${size}: two chars longer vs one char longer`, oursCheck([secret]), longer2, longer, null],
    [
      `control: early-exit loop, ${size}: first vs last char wrong`,
      earlyExitCheck(secret),
      firstWrong,
      lastWrong,
      true,
    ],
    [
      `control: Buffer.from+length check, ${size}: one longer vs last wrong`,
      bufferCheck(secret),
      longer,
      lastWrong,
      true,
    ],
  ];
  const rows: Row[] = [];
  for (const [figure, check, a, b, mustLeak] of cases) {
    const { t, meanA, meanB } = leakT(check, secret, a, b, samples);
    const abs = Math.abs(t);
    rows.push({
      section: "L",
      figure: `${figure}, abs(t)`,
      value: ratio(abs, 2),
      spread: `means ${meanA.toFixed(0)} vs ${meanB.toFixed(0)} ns, ${samples.toLocaleString("en-US")} pairs`,
      target:
        mustLeak === null ? undefined : mustLeak ? `> ${T_THRESHOLD} (leak detected)` : `< ${T_THRESHOLD}`,
      pass: mustLeak === null ? undefined : mustLeak ? abs > T_THRESHOLD : abs < T_THRESHOLD,
    });
  }
  if (kept !== 0) throw new Error("a wrong value was accepted during the leak check");
  return rows;
}
