/**
 * Interleaved micro-benchmark runner: every variant is timed once per round, in a new random order
 * each round, so that whatever else the machine does hits all variants alike. Figures are per
 * round; ratios are taken within a round, then summarised over rounds.
 */
import { median, shuffle } from "./stats";

/** One thing to time: `run(value)` is called with the inputs in turn. */
export interface MicroVariant {
  readonly name: string;
  readonly run: (value: string) => unknown;
  /** Distinct string objects with the same content (or a set of contents), used in turn. */
  readonly inputs: readonly string[];
}

let sink = 0;
/** Keeps results alive so the compiler cannot drop the calls. */
function consume(result: unknown): void {
  if (result === true || (typeof result === "number" && result >= 0)) sink++;
  else if (result instanceof Uint8Array) sink += result.length;
}

/** Calls `variant.run` `count` times and returns the elapsed nanoseconds. */
function loop(variant: MicroVariant, count: number): number {
  const { run, inputs } = variant;
  const n = inputs.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) consume(run(inputs[i % n]));
  return Number(process.hrtime.bigint() - start);
}

/** Iterations needed for one timed sample of about `sampleMs` milliseconds. */
function calibrate(variant: MicroVariant, sampleMs: number): number {
  let count = 1000;
  for (;;) {
    const ns = loop(variant, count);
    if (ns > 2e6 || count >= 1e7) return Math.max(1000, Math.round((count * sampleMs * 1e6) / ns));
    count *= 4;
  }
}

export interface MicroOptions {
  rounds: number;
  sampleMs: number;
}

/** ns per call of each variant, one figure per round: result[name][round]. */
export function runInterleaved(
  variants: readonly MicroVariant[],
  { rounds, sampleMs }: MicroOptions,
): Map<string, number[]> {
  // Warm-up: let every variant reach optimised code before anything is recorded.
  const counts = new Map<string, number>();
  for (let pass = 0; pass < 2; pass++) {
    for (const variant of variants) counts.set(variant.name, calibrate(variant, sampleMs));
  }
  const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of shuffle([...variants])) {
      const count = counts.get(variant.name) as number;
      results.get(variant.name)?.push(loop(variant, count) / count);
    }
  }
  return results;
}

/**
 * Heap bytes allocated per call, from the growth of V8's used heap over `count` calls: the median of
 * several tries, each short enough that a scavenge rarely falls inside it (one that does shows as a
 * negative growth and is outvoted). Below 1 B per call it is the probe's own noise: reported as 0.
 */
export function bytesPerCall(variant: MicroVariant, count = 1000, tries = 15): number {
  loop(variant, count);
  const perCall: number[] = [];
  for (let t = 0; t < tries; t++) {
    const before = process.memoryUsage().heapUsed;
    loop(variant, count);
    perCall.push((process.memoryUsage().heapUsed - before) / count);
  }
  const bytes = median(perCall);
  return bytes < 1 ? 0 : bytes;
}

/** Per-round ratio `a / b` of two variants' figures. */
export function ratioPerRound(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value / b[i]);
}

/** Read by the runner at the end so no result can be optimised away. */
export function sinkValue(): number {
  return sink;
}
