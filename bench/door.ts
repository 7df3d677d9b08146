/**
 * Section D: the door's own cost in process (bench/door-child.ts): moleculer-web's httpHandler with
 * the package's door and middleware against moleculer-web alone, on real IncomingMessages, without
 * the network or a load generator sharing the cores; and how that cost grows with 64 headers, a
 * 4 KB query string, 16 accepted secrets and 1,000 aliases. Each figure is the median, over rounds,
 * of the paired difference (with − without, same round, alternating order), with its 95% CI.
 *
 * Two gateways of the same code in one process differ by an offset that is fixed in that process
 * and changes from one process to the next (−0.36 to +0.14 µs per request between two copies of the
 * plain gateway, in runs of one process each): code and heap layout, which copy was made first. So
 * the section runs `processes` child processes one after the other, each making its gateways in a
 * new shuffled order with `copies` copies per variant, and judges every difference on the two-level
 * bootstrap interval over processes and their rounds, into which that offset goes.
 */
import { CONTROL_NS } from "./busy";
import { runChildren } from "./children";
import { aaRow, judgedRow, ns, positiveRow, type Row, type Sample } from "./report";
import { pairedDifferences } from "./stats";

export interface DoorSettings {
  /** Child processes, one after the other. */
  processes: number;
  /** Rounds in each process. */
  rounds: number;
  requestsPerRound: number;
  /** Gateways per variant in each process. */
  copies: number;
}

interface ChildAnswer {
  times: Record<string, number[]>;
  lookups: Record<string, number>;
}

export async function doorRows(settings: DoorSettings): Promise<Row[]> {
  const { processes, rounds, requestsPerRound, copies } = settings;
  const answers = await runChildren<ChildAnswer>(
    "door-child.js",
    [rounds, requestsPerRound, copies],
    processes,
    15,
  );
  const { lookups } = answers[0];
  const get = (name: string): Sample => ({ groups: answers.map(({ times }) => times[name]) });
  const diff = (a: string, b: string): Sample => ({
    groups: answers.map(({ times }) => pairedDifferences(times[a], times[b])),
  });
  const rows: Row[] = [];
  for (const name of Object.keys(answers[0].times))
    rows.push(judgedRow("D", `${name}: time per request`, get(name), ns));
  rows.push(
    aaRow("D", "plain again − plain (two gateways without the check)", diff("plain again", "plain"), ns),
    positiveRow("D", `action spins ${CONTROL_NS} ns − plain`, diff("plain, action spins", "plain"), ns),
    judgedRow("D", "the door's own cost: guarded − plain, per request", diff("guarded", "plain"), ns, {
      text: "≤ 500 ns",
      bounds: { max: 500 },
    }),
    judgedRow("D", "64 headers: guarded − plain", diff("guarded, 64 headers", "plain, 64 headers"), ns),
    judgedRow(
      "D",
      "4 KB query string: guarded − plain",
      diff("guarded, 4 KB query", "plain, 4 KB query"),
      ns,
    ),
    judgedRow(
      "D",
      "16 accepted secrets (match the last): guarded − plain",
      diff("guarded, 16 secrets", "plain"),
      ns,
    ),
    judgedRow(
      "D",
      "1,000 aliases: guarded − plain",
      diff("guarded, 1,000 aliases", "plain, 1,000 aliases"),
      ns,
    ),
  );
  // The door must not look aliases up where moleculer-web does not: counted, not timed.
  const plainLookups = lookups["plain, 1,000 aliases"];
  const guardedLookups = lookups["guarded, 1,000 aliases"];
  if (plainLookups !== undefined && guardedLookups !== undefined) {
    rows.push({
      section: "D",
      figure: "1,000 aliases: alias lookups (resolveAlias) per GET request, guarded − plain",
      value: `${guardedLookups - plainLookups}`,
      spread: `counted: guarded ${guardedLookups}, plain ${plainLookups} per request (10 requests each)`,
      target: "0",
      verdict: guardedLookups === plainLookups ? "PASS" : "MISS",
    });
  }
  return rows;
}
