/**
 * The benchmark's single output table: one row per figure, with its spread over rounds and, where
 * the issue sets one, the target and PASS/MISS. Verdicts are printed, never turned into an exit code.
 */
import type { Summary } from "./stats";

export interface Row {
  readonly section: string;
  readonly figure: string;
  readonly value: string;
  /** Interquartile range over rounds, or how the figure was obtained. */
  readonly spread: string;
  readonly target?: string;
  readonly pass?: boolean;
}

export function ns(value: number): string {
  if (value >= 10000) return `${(value / 1000).toFixed(1)} µs`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} µs`;
  return `${value.toFixed(1)} ns`;
}

export function nsSpread(s: Summary): string {
  return `${ns(s.q1)} – ${ns(s.q3)}`;
}

export function ratio(value: number, digits = 3): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

export function ratioSpread(s: Summary, digits = 3): string {
  return `${ratio(s.q1, digits)} – ${ratio(s.q3, digits)}`;
}

export function perSecond(value: number): string {
  return `${Math.round(value).toLocaleString("en-US")}/s`;
}

/** Renders rows as a Markdown table (readable in a terminal, pasteable into BENCHMARKS.md). */
export function renderTable(rows: readonly Row[]): string {
  const header = ["#", "figure", "value (median)", "spread: IQR over rounds, or basis", "target", "verdict"];
  const cells = rows.map((r) => [
    r.section,
    r.figure,
    r.value,
    r.spread,
    r.target ?? "",
    r.pass === undefined ? "" : r.pass ? "PASS" : "MISS",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]].length)));
  const line = (c: readonly string[]): string =>
    `| ${c.map((text, i) => text + " ".repeat(widths[i] - [...text].length)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}
