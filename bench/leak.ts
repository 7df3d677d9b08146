/**
 * Timing-leak check in the style of Node's test/pummel/test-crypto-timing-safe-equal-benchmarks.js:
 * many single-call timings of two classes of input, interleaved in random order, outliers cut,
 * Welch's t-test on the two means. |t| under 4.5 passes. A negative control, the same harness on a
 * comparison known to leak, must be detected, or the harness proves nothing.
 */
import { bufferCheck, earlyExitCheck, oursCheck, type Check } from "./checks";
import { ratio, type Row } from "./report";
import { cutOutliers, mean, welchT } from "./stats";
import { lastCharWrong, makeSecret } from "./values";

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
 * Interleaved single-call timings of class A and class B, in random order, then Welch's t. As in
 * Node's test, each timed call gets a value made just before it (untimed), so both classes present
 * freshly written memory, like a header the HTTP parser has just produced.
 */
export function leakT(check: Check, classA: string, classB: string, samples: number): LeakResult {
  const bytesA = Buffer.from(classA, "latin1");
  const bytesB = Buffer.from(classB, "latin1");
  for (let i = 0; i < 2000; i++) {
    timeOne(check, bytesA.toString("latin1"));
    timeOne(check, bytesB.toString("latin1"));
  }
  const a = new Array<number>(samples);
  const b = new Array<number>(samples);
  for (let i = 0; i < samples; i++) {
    if (Math.random() < 0.5) {
      a[i] = timeOne(check, bytesA.toString("latin1"));
      b[i] = timeOne(check, bytesB.toString("latin1"));
    } else {
      b[i] = timeOne(check, bytesB.toString("latin1"));
      a[i] = timeOne(check, bytesA.toString("latin1"));
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
  const firstWrong = (secret[0] === "a" ? "b" : "a") + secret.slice(1);
  const lastWrong = lastCharWrong(secret);
  const short = secret.slice(0, 16);
  const size = `${secretLength / 1024} KB secret`;
  const cases: [string, Check, string, string, boolean][] = [
    [`ours, ${size}: first char wrong vs last char wrong`, oursCheck([secret]), firstWrong, lastWrong, false],
    [`ours, ${size}: 16-char value vs last char wrong`, oursCheck([secret]), short, lastWrong, false],
    [
      `control: early-exit loop, ${size}: first vs last char wrong`,
      earlyExitCheck(secret),
      firstWrong,
      lastWrong,
      true,
    ],
    [
      `control: Buffer.from+length check, ${size}: 16-char vs last wrong`,
      bufferCheck(secret),
      short,
      lastWrong,
      true,
    ],
  ];
  const rows: Row[] = [];
  for (const [figure, check, a, b, mustLeak] of cases) {
    const { t, meanA, meanB } = leakT(check, a, b, samples);
    const abs = Math.abs(t);
    rows.push({
      section: "L",
      figure: `${figure}, abs(t)`,
      value: ratio(abs, 2),
      spread: `means ${meanA.toFixed(0)} vs ${meanB.toFixed(0)} ns, ${samples.toLocaleString("en-US")} pairs`,
      target: mustLeak ? `> ${T_THRESHOLD} (leak detected)` : `< ${T_THRESHOLD}`,
      pass: mustLeak ? abs > T_THRESHOLD : abs < T_THRESHOLD,
    });
  }
  if (kept !== 0) throw new Error("a wrong value was accepted during the leak check");
  return rows;
}
