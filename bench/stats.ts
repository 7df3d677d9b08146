/**
 * Small statistics helpers for the benchmark: order statistics for the rounds, and the dudect-style
 * Welch's t-tests over cropped measurements for the timing-leak check. Inputs are never modified.
 */

/** The q-quantile (0..1) of `values`, linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median and interquartile range of a set of per-round figures. */
export interface Summary {
  median: number;
  q1: number;
  q3: number;
}

export function summarize(values: readonly number[]): Summary {
  return { median: median(values), q1: quantile(values, 0.25), q3: quantile(values, 0.75) };
}

/**
 * dudect's cropping thresholds (oreparaz/dudect, src/dudect.h `prepare_percentiles`): 100
 * percentiles of the pooled execution times of a discarded first batch, at 1 - 0.5^(10 (i + 1) / 100),
 * i.e. from the 6.7th percentile up to the 99.9th, denser towards the tail. Each crop keeps the
 * measurements below its threshold, whatever their class.
 */
export function dudectThresholds(pooled: readonly number[], count = 100): number[] {
  const sorted = [...pooled].sort((a, b) => a - b);
  return Array.from({ length: count }, (_, i) => {
    const which = 1 - Math.pow(0.5, (10 * (i + 1)) / count);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * which))];
  });
}

/** Welch's t from each class's count, sum and sum of squares (of values shifted by a constant). */
function welchFromSums(n: readonly number[], sum: readonly number[], squares: readonly number[]): number {
  const m0 = sum[0] / n[0];
  const m1 = sum[1] / n[1];
  const v0 = (squares[0] - sum[0] * m0) / (n[0] - 1);
  const v1 = (squares[1] - sum[1] * m1) / (n[1] - 1);
  return (m0 - m1) / Math.sqrt(v0 / n[0] + v1 / n[1]);
}

/** Result of the dudect-style tests of one run. */
export interface CropTests {
  /** The largest |t| over the uncropped test and every crop with enough measurements of each class. */
  maxAbsT: number;
  /** The uncropped test's t, and the two classes' uncropped means. */
  rawT: number;
  means: [number, number];
}

/**
 * Welch's t-test of class 0 against class 1 on the uncropped measurements and on every crop
 * (measurements below a threshold), as dudect's `update_statistics` and `max_test` do; a crop counts
 * only when each class has at least `minPerClass` measurements in it (dudect: 10,000 of class 0).
 * dudect's second-order test (on squared centred values) is not run: what is asked here is whether
 * the mean time depends on the input.
 */
export function cropTests(
  times: ArrayLike<number>,
  classes: ArrayLike<number>,
  thresholds: readonly number[],
  minPerClass: number,
): CropTests {
  const order = Array.from({ length: times.length }, (_, i) => i).sort((a, b) => times[a] - times[b]);
  const shift = times[order[order.length >> 1]];
  const n = [0, 0];
  const sum = [0, 0];
  const squares = [0, 0];
  let maxAbsT = 0;
  let next = 0; // thresholds are ascending: the first one not yet passed
  const consider = (): void => {
    if (n[0] < minPerClass || n[1] < minPerClass) return;
    const t = Math.abs(welchFromSums(n, sum, squares));
    if (t > maxAbsT) maxAbsT = t;
  };
  for (const i of order) {
    const x = times[i];
    // A crop keeps the measurements strictly below its threshold: evaluate each one passed.
    while (next < thresholds.length && x >= thresholds[next]) {
      consider();
      next++;
    }
    const c = classes[i];
    const d = x - shift;
    n[c]++;
    sum[c] += d;
    squares[c] += d * d;
  }
  for (; next < thresholds.length; next++) consider();
  const rawT = welchFromSums(n, sum, squares);
  maxAbsT = Math.max(maxAbsT, Math.abs(rawT));
  return { maxAbsT, rawT, means: [sum[0] / n[0] + shift, sum[1] / n[1] + shift] };
}

/** Fisher-Yates shuffle in place, for the order of variants within a round. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * The distribution-free 95% confidence interval of a median from `n` values (the order-statistic
 * interval): 0-based ranks [lo, hi] of the sorted values such that the median lies between them
 * with probability ≥ 0.95, from the Binomial(n, 1/2) distribution of how many values fall below
 * it. Exact for every n (log-space probabilities); n < 6 has no such interval: the extremes then.
 */
export function medianRanks(n: number, confidence = 0.95): [number, number] {
  if (n < 6) return [0, Math.max(0, n - 1)];
  const tail = (1 - confidence) / 2;
  // P(X ≤ k) for X ~ Binomial(n, 1/2), summed until it passes `tail`.
  let logPmf = -n * Math.LN2; // P(X = 0)
  let cumulative = 0;
  let k = 0;
  for (; k <= n; k++) {
    const next = cumulative + Math.exp(logPmf);
    if (next > tail) break;
    cumulative = next;
    logPmf += Math.log((n - k) / (k + 1));
  }
  // P(X ≤ k - 1) ≤ tail: the k-th smallest (0-based k - 1 .. ) bounds the median from below.
  const lo = Math.max(0, k - 1);
  return [lo, n - 1 - lo];
}

/** A median with its confidence interval (95% unless said otherwise), over `n` values. */
export interface Interval {
  median: number;
  lo: number;
  hi: number;
  n: number;
}

export function medianInterval(values: readonly number[], confidence = 0.95): Interval {
  const sorted = [...values].sort((a, b) => a - b);
  const [lo, hi] = medianRanks(sorted.length, confidence);
  return { median: median(sorted), lo: sorted[lo], hi: sorted[hi], n: sorted.length };
}

/** A small deterministic generator (mulberry32): the same measurements give the same bootstrap interval. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The `confidence` interval (95% by default) of the median of values measured in several processes
 * (`groups`, one array per process), by a two-level bootstrap: each replicate draws processes with
 * replacement, then rounds with replacement within each drawn process, and takes the median of what
 * it drew; the interval is the 2.5th and 97.5th percentiles (at 95%) of `replicates` such medians.
 * Rounds of one process share that process's offset (code and heap layout, found to move a gateway
 * by ±0.35-0.7 µs): resampling the processes puts that offset into the interval, where a
 * single-level interval would count it as signal. `median` is the median of all values; `n` counts them, `groups` the processes.
 */
export function clusteredMedianInterval(
  groups: readonly (readonly number[])[],
  replicates = 2000,
  confidence = 0.95,
): Interval & { groups: number } {
  const tail = (1 - confidence) / 2;
  const all = groups.flat();
  const random = generator(0x5eed);
  const medians = new Float64Array(replicates);
  const drawn = new Float64Array(all.length);
  for (let r = 0; r < replicates; r++) {
    let k = 0;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[Math.floor(random() * groups.length)];
      for (let i = 0; i < group.length; i++) drawn[k++] = group[Math.floor(random() * group.length)];
    }
    const sample = drawn.subarray(0, k).sort();
    medians[r] = k % 2 === 1 ? sample[k >> 1] : (sample[k / 2 - 1] + sample[k / 2]) / 2;
  }
  medians.sort();
  return {
    median: median(all),
    lo: medians[Math.floor(tail * (replicates - 1))],
    hi: medians[Math.ceil((1 - tail) * (replicates - 1))],
    n: all.length,
    groups: groups.length,
  };
}

/** Round-by-round differences `a[i] − b[i]` (with − without, measured in the same round). */
export function pairedDifferences(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value - b[i]);
}

/** A target on a figure: at most `max`, at least `min`, or both (a range). */
export interface Target {
  readonly min?: number;
  readonly max?: number;
}

export type Verdict = "PASS" | "MISS" | "UNDECIDED";

export interface Judgement {
  verdict: Verdict;
  /** For UNDECIDED: about how many rounds would narrow the interval to the margin (∞ if none could). */
  roundsNeeded?: number;
}

/**
 * Judges an interval against a target: PASS when the whole interval is inside it, MISS when the
 * whole interval is outside, UNDECIDED otherwise. The rounds needed assume the interval narrows as
 * 1/√n around its median, until its half-width is below the median's distance to the nearest bound.
 */
export function judge(interval: Interval, target: Target): Judgement {
  const { lo, hi, median: m, n } = interval;
  const min = target.min ?? -Infinity;
  const max = target.max ?? Infinity;
  if (lo >= min && hi <= max) return { verdict: "PASS" };
  if (hi < min || lo > max) return { verdict: "MISS" };
  const distance = Math.min(Math.abs(m - min), Math.abs(m - max));
  const halfWidth = Math.max(m - lo, hi - m);
  if (!(distance > 0)) return { verdict: "UNDECIDED", roundsNeeded: Infinity };
  return { verdict: "UNDECIDED", roundsNeeded: Math.ceil(n * (halfWidth / distance) ** 2) };
}

/**
 * The order of a pair's two variants in round `r`, alternating: A then B in even rounds, B then A in
 * odd ones, so that a drift within a round weighs on both sides of their difference alike.
 */
export function alternate<T>(a: T, b: T, round: number): [T, T] {
  return round % 2 === 0 ? [a, b] : [b, a];
}
