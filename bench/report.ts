/**
 * The benchmark's single output table: one row per figure, with the confidence interval of its
 * median (over rounds, or of the paired difference; 95%, or 99.5% for an A/A control) or how it was
 * obtained, and, where the issue sets one, the target and the verdict on the interval. Verdicts are
 * printed, never turned into an exit code.
 */
import {
  clusteredMedianInterval,
  judge,
  medianInterval,
  type Interval,
  type Summary,
  type Target,
  type Verdict,
} from "./stats";

/**
 * A figure's values: round by round from one process, or (`{ groups }`) round by round from each of
 * several processes, judged on the two-level bootstrap interval that carries the process's offset.
 */
export type Sample = readonly number[] | { readonly groups: readonly (readonly number[])[] };

/** An interval's confidence, and the bootstrap replicates it is drawn from over several processes. */
interface Level {
  readonly confidence: number;
  readonly replicates: number;
}

/** Targets, positive controls and plain figures. */
const USUAL: Level = { confidence: 0.95, replicates: 2000 };

/**
 * An A/A control's interval. A run has six A/A pairs, which together say one thing (the harness
 * sees no difference where there is none): at 95% each, a sound harness would show an A/A MISS in
 * about one run in four, so each is judged at 99.5% instead (Bonferroni: at most 3% of sound runs
 * show one); 5,000 bootstrap replicates leave a dozen in each of its tails. A positive control keeps
 * 95%: a wider interval would only make a real cost harder to see.
 */
const AA: Level = { confidence: 0.995, replicates: 5000 };

function intervalOf(sample: Sample, level = USUAL): Interval & { groups?: number; confidence: number } {
  const interval =
    "groups" in sample
      ? clusteredMedianInterval(sample.groups, level.replicates, level.confidence)
      : medianInterval(sample as readonly number[], level.confidence);
  return { ...interval, confidence: level.confidence };
}

function spreadOf(
  interval: Interval & { groups?: number; confidence: number },
  format: (value: number) => string,
): string {
  const n =
    interval.groups === undefined ? `n ${interval.n}` : `n ${interval.n} in ${interval.groups} processes`;
  const level = `${Number((interval.confidence * 100).toFixed(1))}%`;
  return `${level} CI ${format(interval.lo)} – ${format(interval.hi)} (${n})`;
}

export interface Row {
  readonly section: string;
  readonly figure: string;
  readonly value: string;
  /**
   * "95% CI a – b" for a judged figure (99.5% for an A/A control); otherwise an IQR over rounds, or
   * how the figure was obtained.
   */
  readonly spread: string;
  readonly target?: string;
  readonly verdict?: Verdict;
  /** For UNDECIDED: the rounds it would need. */
  readonly roundsNeeded?: number;
  /** A control (A/A, positive control): a verdict on the harness, not on the library. */
  readonly control?: boolean;
}

export function ns(value: number): string {
  const sign = value < 0 ? "−" : "";
  const abs = Math.abs(value);
  if (abs >= 10000) return `${sign}${(abs / 1000).toFixed(1)} µs`;
  if (abs >= 1000) return `${sign}${(abs / 1000).toFixed(2)} µs`;
  return `${sign}${abs.toFixed(1)} ns`;
}

export function nsSpread(s: Summary): string {
  return `IQR ${ns(s.q1)} – ${ns(s.q3)}`;
}

export function ratio(value: number, digits = 3): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

export function ratioSpread(s: Summary, digits = 3): string {
  return `IQR ${ratio(s.q1, digits)} – ${ratio(s.q3, digits)}`;
}

export function perSecond(value: number): string {
  return `${Math.round(value).toLocaleString("en-US")}/s`;
}

/**
 * A row for a figure given round by round (`values`): its median and 95% CI, judged against
 * `target` when there is one. `format` prints one value (ns, a ratio...); `targetText` says the target.
 */
export function judgedRow(
  section: string,
  figure: string,
  values: Sample,
  format: (value: number) => string,
  target?: { text: string; bounds: Target; control?: boolean },
): Row {
  const interval = intervalOf(values);
  const judgement = target === undefined ? undefined : judge(interval, target.bounds);
  return {
    section,
    figure,
    value: format(interval.median),
    spread: spreadOf(interval, format),
    target: target?.text,
    verdict: judgement?.verdict,
    roundsNeeded: judgement?.roundsNeeded,
    control: target?.control,
  };
}

function verdictCell(r: Row): string {
  if (r.verdict === undefined) return "";
  if (r.verdict !== "UNDECIDED") return r.verdict;
  const n = r.roundsNeeded;
  return n === undefined || !Number.isFinite(n)
    ? "UNDECIDED"
    : `UNDECIDED (~${n.toLocaleString("en-US")} rounds)`;
}

/** Renders rows as a Markdown table (readable in a terminal, pasteable into BENCHMARKS.md). */
export function renderTable(rows: readonly Row[]): string {
  const header = [
    "#",
    "figure",
    "value (median)",
    "CI of the median (95%, A/A 99.5%), or spread",
    "target",
    "verdict",
  ];
  const cells = rows.map((r) => [r.section, r.figure, r.value, r.spread, r.target ?? "", verdictCell(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]].length)));
  const line = (c: readonly string[]): string =>
    `| ${c.map((text, i) => text + " ".repeat(widths[i] - [...text].length)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

/** A control's row: its interval, and whether `expected` holds of it. */
function controlRow(
  section: string,
  figure: string,
  values: Sample,
  format: (v: number) => string,
  target: string,
  expected: (interval: Interval) => boolean,
  level = USUAL,
): Row {
  const interval = intervalOf(values, level);
  return {
    section,
    figure,
    value: format(interval.median),
    spread: spreadOf(interval, format),
    target,
    verdict: expected(interval) ? "PASS" : "MISS",
    control: true,
  };
}

/**
 * The A/A control of a section: the same variant measured twice as a pair. Its interval must
 * contain 0 (PASS), or the harness sees a difference where there is none (MISS).
 */
export function aaRow(section: string, figure: string, values: Sample, format: (v: number) => string): Row {
  return controlRow(
    section,
    `A/A control: ${figure}`,
    values,
    format,
    "CI contains 0",
    (i) => i.lo <= 0 && i.hi >= 0,
    AA,
  );
}

/**
 * The positive control of a section: a known cost added (a busy loop), which must be detected: the
 * whole interval above 0 (PASS); the figure also shows how close it comes to the cost added.
 */
export function positiveRow(
  section: string,
  figure: string,
  values: Sample,
  format: (v: number) => string,
): Row {
  return controlRow(section, `positive control: ${figure}`, values, format, "CI above 0", (i) => i.lo > 0);
}
