/**
 * Section 3: requests per second over HTTP on 127.0.0.1, the reference gateway with the check, the
 * same gateway without it, and the Express sketch. Servers run in one child process, the load
 * generator (autocannon) in another, started anew for each timed run; variants alternate by round.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { ServerPorts } from "./http-servers";
import { perSecond, ratio, ratioSpread, type Row } from "./report";
import { shuffle, summarize } from "./stats";
import { makeSecret } from "./values";

interface Step {
  name: string;
  url: string;
}

/**
 * Runs the steps one after the other in a load-generator child process (autocannon), `seconds`
 * each; returns 2xx answers per second for each step.
 */
function load(steps: Step[], secret: string, seconds: number, connections: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, "load.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    // Bounded: the plan's own length plus a margin, then the child is killed.
    const timer = setTimeout(() => child.kill("SIGKILL"), (steps.length * (seconds + 2) + 30) * 1000);
    let answer: { rates?: number[]; error?: string } = { error: "load generator exited without answer" };
    child.once("message", (message: typeof answer) => (answer = message));
    child.once("exit", () => {
      clearTimeout(timer);
      if (answer.rates) resolve(answer.rates);
      else reject(new Error(answer.error));
    });
    child.send({ steps, seconds, connections, secret });
  });
}

function startServers(secret: string): Promise<{ child: ChildProcess; ports: ServerPorts }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, "http-servers.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, SHARED_SECRET: secret, NODE_ENV: "production" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (message: { ports: ServerPorts }) => resolve({ child, ports: message.ports }));
    child.once("exit", (code) => reject(new Error(`HTTP servers exited with ${code}`)));
  });
}

function stopServers(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.send("stop");
  });
}

export interface HttpSettings {
  rounds: number;
  seconds: number;
  connections: number;
}

export async function httpRows({ rounds, seconds, connections }: HttpSettings): Promise<Row[]> {
  const secret = makeSecret(64);
  const { child, ports } = await startServers(secret);
  try {
    const urls: Record<string, string> = {
      "moleculer-web with the check": `http://127.0.0.1:${ports.guarded}/protected`,
      "moleculer-web without the check": `http://127.0.0.1:${ports.plain}/protected`,
      "Express 5 sketch": `http://127.0.0.1:${ports.express}/protected`,
    };
    const names = Object.keys(urls);
    await load(
      names.map((name) => ({ name, url: urls[name] })),
      secret,
      1,
      connections,
    ); // warm-up
    // Every variant once per round, in a new random order each round.
    const steps: Step[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const name of shuffle([...names])) steps.push({ name, url: urls[name] });
    }
    const measured = await load(steps, secret, seconds, connections);
    const rates = new Map<string, number[]>(names.map((name) => [name, []]));
    steps.forEach((step, i) => rates.get(step.name)?.push(measured[i]));

    const rows: Row[] = [];
    for (const [name, perRound] of rates) {
      const s = summarize(perRound);
      rows.push({
        section: "3",
        figure: `${name}, requests/s`,
        value: perSecond(s.median),
        spread: `${perSecond(s.q1)} – ${perSecond(s.q3)}`,
      });
    }
    const get = (name: string): number[] => rates.get(name) as number[];
    const withCheck = get("moleculer-web with the check");
    const relative = (base: string): number[] => withCheck.map((rate, i) => rate / get(base)[i]);
    const vsPlain = summarize(relative("moleculer-web without the check"));
    const vsExpress = summarize(relative("Express 5 sketch"));
    rows.push(
      {
        section: "3",
        figure: "with / without the check",
        value: ratio(vsPlain.median),
        spread: ratioSpread(vsPlain),
        target: "≥ 0.97",
        pass: vsPlain.median >= 0.97,
      },
      {
        section: "3",
        figure: "with the check / Express 5 sketch",
        value: ratio(vsExpress.median),
        spread: ratioSpread(vsExpress),
        target: "> 1 (ahead)",
        pass: vsExpress.median > 1,
      },
    );
    return rows;
  } finally {
    await stopServers(child);
  }
}
