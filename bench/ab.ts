/**
 * `npm run bench:ab -- <build A> <build B>`: what a change to the library does to the door's cost,
 * measured as section D measures it. Each argument is a directory holding a compiled build of the
 * package (a copy of dist/, made with `npm run build && cp -r dist <dir>` before and after the
 * change). Child processes (bench/door-child.ts) each serve the two builds' gateways (with the door
 * and the middleware, on copies of moleculer and moleculer-web of their own, made in a shuffled
 * order) with the same requests, round by round in an alternating order, and the difference B − A
 * per request is judged on the two-level bootstrap interval over processes and rounds. The same
 * directory twice is an A/A run: its interval should contain 0.
 *
 * BENCH_AB_PROCESSES (default 16) and BENCH_AB_ROUNDS (default 60) set the size of the run; about
 * 2 s per process. Prints one line per build and the difference; exits 0 unless the run fails.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { runChildren } from "./children";
import { root } from "./package";
import { ns } from "./report";
import { clusteredMedianInterval, pairedDifferences } from "./stats";

interface ChildAnswer {
  times: Record<string, number[]>;
}

function atLeastTwo(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 2) throw new Error(`${name} must be an integer of 2 or more`);
  return value;
}

async function main(): Promise<void> {
  const builds = process.argv.slice(2).map((dir) => resolve(dir));
  if (builds.length !== 2 || builds.some((dir) => !existsSync(join(dir, "index.js")))) {
    throw new Error("usage: npm run bench:ab -- <build A> <build B> (each a copy of dist/, with index.js)");
  }
  const processes = atLeastTwo("BENCH_AB_PROCESSES", 16);
  const rounds = atLeastTwo("BENCH_AB_ROUNDS", 60);
  // The children load the builds; a build copied out of the package finds its dependencies here.
  process.env.BENCH_BUILD_A = builds[0];
  process.env.BENCH_BUILD_B = builds[1];
  process.env.NODE_PATH = join(root, "node_modules");
  const answers = await runChildren<ChildAnswer>(
    "door-child.js",
    [rounds, 200, "build A;build B"],
    processes,
    15,
  );
  const interval = (groups: number[][]): string => {
    const { median, lo, hi, n } = clusteredMedianInterval(groups);
    return `${ns(median)} (95% CI ${ns(lo)} – ${ns(hi)}, n ${n} in ${groups.length} processes)`;
  };
  const times = (name: string): number[][] => answers.map((answer) => answer.times[name]);
  process.stdout.write(
    `A ${builds[0]}: ${interval(times("build A"))} per request\n` +
      `B ${builds[1]}: ${interval(times("build B"))} per request\n` +
      `B − A: ${interval(answers.map(({ times: t }) => pairedDifferences(t["build B"], t["build A"])))}\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
