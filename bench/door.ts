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
 * the section runs child processes one after the other, each making its gateways in a new shuffled
 * order, and judges every difference on the two-level bootstrap interval over processes and their
 * rounds, into which that offset goes.
 *
 * A process serves one gateway with the check, as a server does: with three copies of the gateway
 * with the check serving in one process, the door cost 3.5-4.2 µs per request, against 0.9-1.15 µs
 * with one (idle copies changed nothing, and three gateways with the check sharing one copy of the
 * modules were faster than three plain ones on copies of their own: it is the serving copies of the
 * modules that cost). So each comparison runs in processes of its own (`GROUPS`), with two
 * gateways each, the fewest copies a comparison can have: the door's own cost and its two
 * controls in `processes` processes, each way the cost grows in `processes / 2`. (With 8 processes
 * the A/A interval missed 0 in one run of five, −204 ns, CI −389 to −16: a bootstrap over few
 * processes is too narrow, and a control must be judged as the target it stands for is.)
 */
import { CONTROL_NS } from "./busy";
import { processesToAdd, runChildren, stageRow } from "./children";
import { aaRow, judgedRow, ns, positiveRow, type Row, type Sample } from "./report";
import { pairedDifferences } from "./stats";

export interface DoorSettings {
  /**
   * Child processes of the door's own cost and of each control, one after the other; half as many
   * for each way it grows.
   */
  processes: number;
  /** Rounds in each process. */
  rounds: number;
  requestsPerRound: number;
  /** Most processes a second stage may add to the door's group when its target is undecided. */
  moreProcesses: number;
}

/** The comparisons, each in processes of its own: the variants of bench/door-child.ts they serve. */
const GROUPS = {
  door: ["plain", "guarded"],
  aa: ["plain", "plain again"],
  spins: ["plain", "plain, action spins"],
  headers: ["plain, 64 headers", "guarded, 64 headers"],
  query: ["plain, 4 KB query", "guarded, 4 KB query"],
  secrets: ["plain", "guarded, 16 secrets"],
  aliases: ["plain, 1,000 aliases", "guarded, 1,000 aliases"],
} as const;
type Group = keyof typeof GROUPS;
/** The door's own cost and its controls: as many processes each. */
const JUDGED_LIKE_THE_DOOR: ReadonlySet<Group> = new Set<Group>(["door", "aa", "spins"]);
/** The groups that measure how the cost grows, and their figures. */
const GROWTH: readonly [Group, string][] = [
  ["headers", "64 headers"],
  ["query", "4 KB query string"],
  ["secrets", "16 accepted secrets (match the last)"],
  ["aliases", "1,000 aliases"],
];

interface ChildAnswer {
  times: Record<string, number[]>;
  lookups: Record<string, number>;
}

/** The door's own cost, judged: guarded − plain per request, paired within each round of the door group. */
function doorCostRow(door: readonly ChildAnswer[]): Row {
  const difference: Sample = {
    groups: door.map(({ times }) => pairedDifferences(times.guarded, times.plain)),
  };
  return judgedRow("D", "the door's own cost: guarded − plain, per request", difference, ns, {
    text: "≤ 500 ns",
    bounds: { max: 500 },
  });
}

export async function doorRows(settings: DoorSettings): Promise<Row[]> {
  const { processes, rounds, requestsPerRound, moreProcesses } = settings;
  const run = (group: Group, count: number) =>
    runChildren<ChildAnswer>("door-child.js", [rounds, requestsPerRound, GROUPS[group].join(";")], count, 15);
  const answers = {} as Record<Group, ChildAnswer[]>;
  for (const group of Object.keys(GROUPS) as Group[]) {
    answers[group] = await run(
      group,
      JUDGED_LIKE_THE_DOOR.has(group) ? processes : Math.max(2, Math.round(processes / 2)),
    );
  }
  const first = answers.door.length;
  let cost = doorCostRow(answers.door);
  const added = processesToAdd([cost], first, rounds, moreProcesses);
  if (added > 0) {
    answers.door = answers.door.concat(await run("door", added));
    cost = doorCostRow(answers.door);
  }
  const { lookups } = answers.aliases[0];
  const get = (group: Group, name: string): Sample => ({
    groups: answers[group].map(({ times }) => times[name]),
  });
  const diff = (group: Group, a: string, b: string): Sample => ({
    groups: answers[group].map(({ times }) => pairedDifferences(times[a], times[b])),
  });
  const rows: Row[] = [];
  for (const group of Object.keys(GROUPS) as Group[]) {
    for (const name of GROUPS[group]) {
      if (group !== "door" && name === "plain") continue; // the door group's plain is the row
      rows.push(judgedRow("D", `${name}: time per request`, get(group, name), ns));
    }
  }
  rows.push(
    aaRow(
      "D",
      "plain again − plain (two gateways without the check)",
      diff("aa", "plain again", "plain"),
      ns,
    ),
    positiveRow(
      "D",
      `action spins ${CONTROL_NS} ns − plain`,
      diff("spins", "plain, action spins", "plain"),
      ns,
    ),
    cost,
    stageRow("D", "the door's own cost", first, added),
  );
  // How the cost grows: each group's variant with the check against its own without.
  for (const [group, figure] of GROWTH) {
    const [plain, guarded] = GROUPS[group];
    rows.push(judgedRow("D", `${figure}: guarded − plain`, diff(group, guarded, plain), ns));
  }
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
