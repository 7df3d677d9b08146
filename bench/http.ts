/**
 * Section 3: HTTP on 127.0.0.1. The bench's gateway (bench/gateway.ts) with the check and without
 * it, the Express sketch and Hono's bearerAuth, each server in a child process of its own
 * (bench/http-server.ts), the load generator (autocannon) in another. The two gateways are measured
 * back to back in every round, in half-length bursts in an ABBA order (BAAB in odd rounds), so that
 * the check's cost, their difference, is not buried under the drift of a shared machine. Every round
 * runs the pair, Express and Hono in a new random order and reads the server process's CPU time
 * before and after each burst: requests per second, and server CPU microseconds per request, each
 * summarised over rounds.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { ServerKind } from "./http-server";
import { root } from "./package";
import { perSecond, ratio, ratioSpread, type Row } from "./report";
import { shuffle, summarize, type Summary } from "./stats";
import { makeSecret } from "./values";

const GUARDED = "moleculer-web with the check";
const PLAIN = "moleculer-web without the check";
const EXPRESS = "Express 5 sketch";
const HONO = "Hono bearerAuth (@hono/node-server)";
const SERVERS: readonly { kind: ServerKind; name: string }[] = [
  { kind: "guarded", name: GUARDED },
  { kind: "plain", name: PLAIN },
  { kind: "express", name: EXPRESS },
  { kind: "hono", name: HONO },
];
const NAMES = SERVERS.map((s) => s.name);

/** Sends `message` to `child` and waits for its next answer, at most `ms`, then kills it. */
function ask<T>(child: ChildProcess, message: unknown, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child ${child.pid} did not answer within ${ms} ms`));
    }, ms);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`child ${child.pid} exited with ${code}`));
    };
    child.once("exit", onExit);
    child.once("message", (answer: T) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve(answer);
    });
    if (message !== undefined) child.send(message as string);
  });
}

interface ServerChild {
  child: ChildProcess;
  port: number;
}

async function startServer(kind: ServerKind, secret: string): Promise<ServerChild> {
  const child = fork(join(__dirname, "http-server.js"), [kind], {
    env: { ...process.env, SHARED_SECRET: secret, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { port } = await ask<{ port: number }>(child, undefined, 30000);
  return { child, port };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send("stop");
    else child.kill("SIGTERM");
  });
}

/** Server CPU time, user + system, in µs. */
async function cpuOf(server: ServerChild): Promise<number> {
  const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>(server.child, "cpu", 5000);
  return cpu.user + cpu.system;
}

interface Round {
  rate: number;
  cpuPerRequest: number;
}

interface Burst {
  rate: number;
  count: number;
  cpu: number;
}

/** A round's figures from its bursts of one server: mean rate, CPU over all the requests served. */
function roundOf(bursts: readonly Burst[]): Round {
  const sum = (pick: (b: Burst) => number): number => bursts.reduce((total, b) => total + pick(b), 0);
  return { rate: sum((b) => b.rate) / bursts.length, cpuPerRequest: sum((b) => b.cpu) / sum((b) => b.count) };
}

/** One burst of load on one server: autocannon for `seconds`, and the server's CPU time over it. */
async function measure(
  loader: ChildProcess,
  server: ServerChild,
  name: string,
  secret: string,
  settings: HttpSettings,
): Promise<Burst> {
  const { seconds, connections } = settings;
  const before = await cpuOf(server);
  const step = { name, url: `http://127.0.0.1:${server.port}/protected`, seconds, connections, secret };
  const answer = await ask<{ rate?: number; count?: number; error?: string }>(
    loader,
    step,
    (seconds + 30) * 1000,
  );
  const after = await cpuOf(server);
  if (answer.error !== undefined || answer.rate === undefined || answer.count === undefined) {
    throw new Error(answer.error ?? "load generator gave no rate");
  }
  return { rate: answer.rate, count: answer.count, cpu: after - before };
}

export interface HttpSettings {
  rounds: number;
  seconds: number;
  connections: number;
}

function µs(value: number): string {
  return `${value.toFixed(2)} µs`;
}

function µsSpread(s: Summary): string {
  return `${µs(s.q1)} – ${µs(s.q3)}`;
}

export async function httpRows(settings: HttpSettings): Promise<Row[]> {
  const secret = makeSecret(64);
  const children: ChildProcess[] = [];
  try {
    const loader = fork(join(root, "bench", "load.js"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(loader);
    const servers = new Map<string, ServerChild>();
    for (const { kind, name } of SERVERS) {
      const server = await startServer(kind, secret);
      children.push(server.child);
      servers.set(name, server);
    }
    const burst = (name: string, seconds: number): Promise<Burst> =>
      measure(loader, servers.get(name) as ServerChild, name, secret, { ...settings, seconds });

    for (const name of NAMES) await burst(name, 1); // warm-up
    const rounds = new Map<string, Round[]>(NAMES.map((name) => [name, []]));
    const record = (name: string, bursts: Burst[]): void => void rounds.get(name)?.push(roundOf(bursts));
    for (let r = 0; r < settings.rounds; r++) {
      for (const block of shuffle(["pair", EXPRESS, HONO])) {
        if (block !== "pair") {
          record(block, [await burst(block, settings.seconds)]);
          continue;
        }
        // The pair, each half as long, ABBA (BAAB in odd rounds): a drift over the block weighs on both.
        const [first, second] = r % 2 === 0 ? [GUARDED, PLAIN] : [PLAIN, GUARDED];
        const half = settings.seconds / 2;
        const a1 = await burst(first, half);
        const b1 = await burst(second, half);
        const b2 = await burst(second, half);
        const a2 = await burst(first, half);
        record(first, [a1, a2]);
        record(second, [b1, b2]);
      }
    }

    const get = (name: string): Round[] => rounds.get(name) as Round[];
    const rows: Row[] = [];
    for (const name of NAMES) {
      const rates = summarize(get(name).map((r) => r.rate));
      const cpu = summarize(get(name).map((r) => r.cpuPerRequest));
      rows.push(
        {
          section: "3",
          figure: `${name}, requests/s`,
          value: perSecond(rates.median),
          spread: `${perSecond(rates.q1)} – ${perSecond(rates.q3)}`,
        },
        {
          section: "3",
          figure: `${name}, server CPU per request`,
          value: µs(cpu.median),
          spread: µsSpread(cpu),
        },
      );
    }
    const withCheck = get(GUARDED);
    const relative = (base: string): Summary =>
      summarize(withCheck.map((r, i) => r.rate / get(base)[i].rate));
    const vsPlain = relative(PLAIN);
    const vsExpress = relative(EXPRESS);
    const vsHono = relative(HONO);
    const without = get(PLAIN);
    const checkCost = summarize(withCheck.map((r, i) => r.cpuPerRequest - without[i].cpuPerRequest));
    rows.push(
      {
        section: "3",
        figure: "check cost: server CPU per request, with − without",
        value: µs(checkCost.median),
        spread: µsSpread(checkCost),
        target: "≤ 1 µs",
        pass: checkCost.median <= 1,
      },
      {
        section: "3",
        figure: "with / without the check (requests/s)",
        value: ratio(vsPlain.median),
        spread: ratioSpread(vsPlain),
        target: "≥ 0.98",
        pass: vsPlain.median >= 0.98,
      },
      {
        section: "3",
        figure: "with the check / Express 5 sketch (requests/s)",
        value: ratio(vsExpress.median),
        spread: ratioSpread(vsExpress),
        target: "> 1 (ahead)",
        pass: vsExpress.median > 1,
      },
      {
        section: "3",
        figure: "with the check / Hono bearerAuth (requests/s)",
        value: ratio(vsHono.median),
        spread: ratioSpread(vsHono),
      },
    );
    return rows;
  } finally {
    await Promise.all(children.map(stop));
  }
}
