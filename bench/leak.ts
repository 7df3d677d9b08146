/**
 * Timing-leak check in the style of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code
 * constant time?", and oreparaz/dudect src/dudect.h):
 *
 * - each measurement times one call, on a value of a class chosen at random for that measurement
 *   (a coin flip, as dudect's `prepare_inputs`), so drift, GC and other load fall on both classes
 *   alike, and both classes' values are made the same way, just before the call, untimed;
 * - a first batch is measured and discarded (warm-up, as dudect throws away its first batch); its
 *   pooled times set dudect's 100 cropping thresholds (see `dudectThresholds`);
 * - Welch's t-test on the raw measurements and on each crop; a run's figure is the largest |t|
 *   (dudect's `max_test`), compared with 4.5 (the threshold dudect's source credits to Pankaj; its
 *   own "moderate" one is 10).
 *
 * One run proves little on a shared VM, so each comparison is run several times and the row reports
 * how many runs were over the threshold. Controls show what the harness can tell: identical inputs
 * in both classes (negative: at most 1 run in 20 over) and an early-exit comparison (positive: every
 * run over).
 */
import { bufferCheck, earlyExitCheck, oursCheck, type Check } from "./checks";
import type { Row } from "./report";
import { cropTests, dudectThresholds, median } from "./stats";
import { makeSecret } from "./values";

export const T_THRESHOLD = 4.5;

/**
 * One class of presented values: the first `length` characters of the secret followed by one more
 * character, with the character at `wrongAt` changed (or none when `wrongAt` is -1).
 */
export interface Variant {
  length: number;
  wrongAt: number;
}

/**
 * Builds the values of both classes from one source buffer holding the secret, so that they differ
 * only in content: no class has source memory of its own whose cache state could tell them apart.
 * Making either class's value performs the same memory operations, at the same addresses and in the
 * same order: both classes' `wrongAt` bytes are read and written back (XORed with 1 for the class
 * asked for, with 0 for the other), so only the data differs, never which bytes were touched last
 * before the timed call. The source holds two characters beyond the secret, for the longer values.
 */
function valueMaker(secret: string, variants: readonly [Variant, Variant]): (c: 0 | 1) => string {
  const source = Buffer.from(`${secret}00`, "latin1");
  const [a, b] = variants;
  for (const { length } of variants) {
    if (length > source.length) throw new Error(`leak check: a value of ${length} characters is too long`);
  }
  const at = [Math.max(a.wrongAt, 0), Math.max(b.wrongAt, 0)];
  // masks[c]: what class c XORs into the bytes at at[0] and at[1] (1 changes a character, 0 keeps it).
  const masks = [
    [a.wrongAt < 0 ? 0 : 1, 0],
    [0, b.wrongAt < 0 ? 0 : 1],
  ];
  const lengths = [a.length, b.length];
  return function makeValue(c) {
    const [m0, m1] = masks[c];
    source[at[0]] ^= m0; // another printable character: 0-9 a-f map to 1 0 3 2 ... ` g d e
    source[at[1]] ^= m1;
    const value = source.toString("latin1", 0, lengths[c]);
    source[at[0]] ^= m0;
    source[at[1]] ^= m1;
    return value;
  };
}

let accepted = 0;

/**
 * `count` measurements: for each, a coin flip picks the class, its value is made (untimed), and one
 * call is timed. Returns the times (ns) and the classes (0 for A, 1 for B).
 */
function measure(
  check: Check,
  make: (c: 0 | 1) => string,
  count: number,
): { times: Float64Array; classes: Uint8Array } {
  const times = new Float64Array(count);
  const classes = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = Math.random() < 0.5 ? 0 : 1;
    const value = make(c);
    const start = process.hrtime.bigint();
    const result = check(value);
    times[i] = Number(process.hrtime.bigint() - start);
    classes[i] = c;
    if (result) accepted++;
  }
  return { times, classes };
}

export interface LeakSettings {
  /** Measurements per run, after the discarded first batch (a quarter of it). */
  measurements: number;
  /** Runs of each control, and of each of our comparisons. */
  runs: number;
  secretLength: number;
}

interface RunResult {
  maxAbsT: number;
  means: [number, number];
}

/** One dudect run: warm-up batch (sets the crops), then the measured batch, then the tests. */
function leakRun(
  check: Check,
  secret: string,
  variants: readonly [Variant, Variant],
  measurements: number,
): RunResult {
  const make = valueMaker(secret, variants);
  const warmUp = measure(check, make, Math.max(1000, measurements >> 2));
  const thresholds = dudectThresholds(Array.from(warmUp.times));
  const { times, classes } = measure(check, make, measurements);
  // dudect asks for 10,000 of class 0 in a crop; a tenth of the run per class is kept here, so that
  // the smallest crops (6.7% of the measurements) are left out as dudect leaves them out.
  const { maxAbsT, means } = cropTests(times, classes, thresholds, Math.max(500, measurements / 10));
  return { maxAbsT, means };
}

/** `true`: a control that must be caught in every run; `false`: must not leak; `null`: no target. */
type Expectation = boolean | null;

export function leakRows({ measurements, runs, secretLength }: LeakSettings): Row[] {
  const secret = makeSecret(secretLength);
  const firstWrong: Variant = { length: secretLength, wrongAt: 0 };
  const lastWrong: Variant = { length: secretLength, wrongAt: secretLength - 1 };
  const longer: Variant = { length: secretLength + 1, wrongAt: -1 };
  const longer2: Variant = { length: secretLength + 2, wrongAt: -1 };
  const size = `${secretLength / 1024} KB secret`;
  // As the negative control may be over in 1 run of 20 (a false alarm), so may our comparisons.
  const allowed = Math.floor(runs / 20);
  const cases: [string, Check, Variant, Variant, Expectation][] = [
    [
      `negative control: ours, ${size}, the same wrong value in both classes`,
      oursCheck([secret]),
      lastWrong,
      lastWrong,
      false,
    ],
    [
      `positive control: early-exit loop, ${size}, first vs last char wrong`,
      earlyExitCheck(secret),
      firstWrong,
      lastWrong,
      true,
    ],
    [
      `positive control: Buffer.from+length check, ${size}, one longer vs last wrong`,
      bufferCheck(secret),
      longer,
      lastWrong,
      true,
    ],
    [`ours, ${size}: first char wrong vs last char wrong`, oursCheck([secret]), firstWrong, lastWrong, false],
    // Ours encodes the value once (UTF-8), which costs per character of the value: these two rows
    // show that cost is the same step from S to S+1 characters as from S+1 to S+2, i.e. it follows
    // the value's own length (which its sender knows), with nothing special where it equals the secret's.
    [`ours, ${size}: one char longer vs last char wrong`, oursCheck([secret]), longer, lastWrong, null],
    [`ours, ${size}: two chars longer vs one char longer`, oursCheck([secret]), longer2, longer, null],
  ];
  const rows: Row[] = [];
  for (const [figure, check, a, b, mustLeak] of cases) {
    const results: RunResult[] = [];
    for (let r = 0; r < runs; r++) results.push(leakRun(check, secret, [a, b], measurements));
    const ts = results.map((r) => r.maxAbsT);
    const over = ts.filter((t) => t > T_THRESHOLD).length;
    const meanA = median(results.map((r) => r.means[0]));
    const meanB = median(results.map((r) => r.means[1]));
    rows.push({
      section: "L",
      figure: `${figure}: runs with max abs(t) > ${T_THRESHOLD}`,
      value: `${over} of ${runs}`,
      spread:
        `max abs(t) median ${median(ts).toFixed(2)}, highest ${Math.max(...ts).toFixed(2)}; ` +
        `means ${meanA.toFixed(0)} vs ${meanB.toFixed(0)} ns; ${measurements.toLocaleString("en-US")} per run`,
      target: mustLeak === null ? undefined : mustLeak ? `${runs} of ${runs}` : `≤ ${allowed} of ${runs}`,
      verdict: mustLeak === null ? undefined : (mustLeak ? over === runs : over <= allowed) ? "PASS" : "MISS",
      control: figure.includes("control"),
    });
  }
  if (accepted !== 0) throw new Error("a wrong value was accepted during the leak check");
  return rows;
}
