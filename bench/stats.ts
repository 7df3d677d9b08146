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
