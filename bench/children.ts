/**
 * The measuring child processes of sections 2 and D: each script measures in a process of its own,
 * sends one answer (or `{ error }`) to its parent and stops. Run one after the other, never together
 * (they would share the two cores), each bounded in time.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import type { Row } from "./report";

/**
 * Runs `script` (a compiled file of bench/) `processes` times, one after the other, with `args`,
 * and returns their answers; a child that has not stopped after `minutes` is killed, and a child
 * that stops without an answer with `times` fails the section.
 */
export async function runChildren<T extends { times: unknown }>(
  script: string,
  args: readonly (string | number)[],
  processes: number,
  minutes: number,
): Promise<T[]> {
  const runOne = (): Promise<T> =>
    new Promise((resolve, reject) => {
      const child = fork(join(__dirname, script), args.map(String), {
        env: { ...process.env, NODE_ENV: "production" },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), minutes * 60 * 1000);
      let answer: (Partial<T> & { error?: string }) | undefined;
      child.on("message", (message: typeof answer) => (answer = message));
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (answer?.times !== undefined) resolve(answer as T);
        else reject(new Error(answer?.error ?? `${script} exited with ${code}`));
      });
    });
  const answers: T[] = [];
  for (let p = 0; p < processes; p++) answers.push(await runOne());
  return answers;
}

/**
 * The processes a second stage adds so that the targets a first stage of `done` processes left
 * UNDECIDED (`rows`, as judged) may be decided: enough for the most rounds any of them needs by
 * `judge`'s estimate, a quarter more for the estimate's own error, at least one and at most
 * `most`; 0 when every target is decided, or when none can be by more rounds (its median on the
 * bound). The targets are judged again on both stages together: a decision taken after a look at
 * the first is slightly less sure than its nominal 95% (BENCHMARKS.md, "How it measures").
 */
export function processesToAdd(
  rows: readonly Row[],
  done: number,
  roundsPerProcess: number,
  most: number,
): number {
  let needed = 0;
  for (const row of rows) {
    const rounds = row.roundsNeeded;
    if (
      row.control !== true &&
      row.verdict === "UNDECIDED" &&
      rounds !== undefined &&
      Number.isFinite(rounds)
    ) {
      needed = Math.max(needed, rounds);
    }
  }
  if (needed === 0 || most <= 0) return 0;
  return Math.min(most, Math.max(1, Math.ceil((1.25 * needed) / roundsPerProcess) - done));
}

/** The row that says what a section's second stage added (see {@link processesToAdd}). */
export function stageRow(section: string, comparison: string, first: number, added: number): Row {
  return {
    section,
    figure: `second stage (${comparison}): processes added for an undecided target`,
    value: added === 0 ? "none" : `+${added}`,
    spread:
      added === 0 ? `every target decided after ${first}` : `after ${first}; judged on all ${first + added}`,
  };
}
