/**
 * Small statistics helpers for the benchmark: order statistics for the rounds, Welch's t-test for
 * the timing-leak check. Inputs are never modified.
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

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (n - 1). */
export function variance(values: readonly number[]): number {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return sum / (values.length - 1);
}

/**
 * Outliers cut the way Node's timing-safe-equal pummel test does (a value 50 times the mean or more
 * is a pre-emption, not a measurement), then the slowest 1% of what is left, for the same reason
 * on a machine shared with other work. The same rule is applied to both classes.
 */
export function cutOutliers(values: readonly number[]): number[] {
  const m = mean(values);
  const kept = values.filter((v) => v / m < 50);
  const limit = quantile(kept, 0.99);
  return kept.filter((v) => v <= limit);
}

/** Welch's t statistic of two independent samples (unequal variances). */
export function welchT(a: readonly number[], b: readonly number[]): number {
  const standardError = Math.sqrt(variance(a) / a.length + variance(b) / b.length);
  return (mean(a) - mean(b)) / standardError;
}

/** Fisher-Yates shuffle in place, for the order of variants within a round. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
