/**
 * The measuring child processes of sections 2 and D: each script measures in a process of its own,
 * sends one answer (or `{ error }`) to its parent and stops. Run one after the other, never together
 * (they would share the two cores), each bounded in time.
 */
import { fork } from "node:child_process";
import { join } from "node:path";

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
