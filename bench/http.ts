/**
 * Section 3: HTTP on 127.0.0.1. The bench's gateway (bench/gateway.ts) with the check and without
 * it, the Express sketch and Hono's bearerAuth, each server in a child process of its own
 * (bench/http-server.ts), the load generator (autocannon) in another. The two gateways are measured
 * back to back in every round, in half-length bursts in an ABBA order (BAAB in odd rounds), so that
 * the check's cost, their difference, is not buried under the drift of a shared machine. Every round
 * runs the pair, Express and Hono in a new random order and reads the server process's CPU time
 * before and after each burst: requests per second, and server CPU microseconds per request, each
 * summarised over rounds.
 *
 * The gateways' server process is replaced by a new one every `rounds / processes` rounds (its
 * gateways made in a new shuffled order): two copies of one gateway in one process differ by an
 * offset that is fixed in that process (±0.5-0.7 µs of server CPU per request were seen), so the
 * differences are judged on the two-level bootstrap interval over processes and their rounds; the
 * interval narrows with more processes, not with more rounds in each. (Four copies of each gateway
 * in one process, to average their offsets there, made every gateway slower and the check's cost
 * 3.3 µs: a process serving several gateways with the check is another kind of process, see D.)
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { ServerKind } from "./http-server";
import { root } from "./package";
import { HTTP_CONTROL_NS } from "./busy";
import {
  aaRow,
  judgedRow,
  ns,
  perSecond,
  positiveRow,
  ratio,
  ratioSpread,
  type Row,
  type Sample,
} from "./report";
import { alternate, pairedDifferences, shuffle, summarize, type Summary } from "./stats";
import { makeSecret } from "./values";
import { processesToAdd, stageRow } from "./children";

const GUARDED = "moleculer-web with the check";
const PLAIN = "moleculer-web without the check";
const PLAIN_AGAIN = "moleculer-web without the check, a second gateway (A/A)";
const BUSY = `moleculer-web without the check, the action spins ${HTTP_CONTROL_NS} ns`;
const EXPRESS = "Express 5 sketch";
const HONO = "Hono bearerAuth (@hono/node-server)";
/** Where each figure's load goes: the server process, the port's name in it, and the path. */
const TARGETS: Record<string, { kind: ServerKind; port: string; path: string }> = {
  [GUARDED]: { kind: "gateways", port: "guarded", path: "/protected" },
  [PLAIN]: { kind: "gateways", port: "plain", path: "/protected" },
  [PLAIN_AGAIN]: { kind: "gateways", port: "plain again", path: "/protected" },
  [BUSY]: { kind: "gateways", port: "plain, action spins", path: "/busy-longer" },
  [EXPRESS]: { kind: "express", port: "express", path: "/protected" },
  [HONO]: { kind: "hono", port: "hono", path: "/protected" },
};
const NAMES = Object.keys(TARGETS);
/** The pairs measured back to back (ABBA), each against the plain gateway. */
const PAIRS = [GUARDED, PLAIN_AGAIN, BUSY];
/** Seconds of load on each gateway of a new gateways process before it is measured. */
const WARM_UP_SECONDS = 0.5;
/** Express and Hono have no interval to narrow: measured in every `SIDE_EVERY`-th round only. */
const SIDE_EVERY = 4;

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
  ports: Record<string, number>;
}

async function startServer(kind: ServerKind, secret: string): Promise<ServerChild> {
  const child = fork(join(__dirname, "http-server.js"), [kind], {
    env: { ...process.env, SHARED_SECRET: secret, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { ports } = await ask<{ ports: Record<string, number> }>(child, undefined, 60000);
  return { child, ports };
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
async function cpuOf(server: ServerChild): Promise<NodeJS.CpuUsage> {
  const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>(server.child, "cpu", 5000);
  return cpu;
}

interface Round {
  rate: number;
  /** User + system CPU µs per request, and the user part alone (the kernel's part is the rest). */
  cpuPerRequest: number;
  userPerRequest: number;
}

interface Burst {
  rate: number;
  count: number;
  cpu: number;
  user: number;
}

/** A round's figures from its bursts of one server: mean rate, CPU over all the requests served. */
function roundOf(bursts: readonly Burst[]): Round {
  const sum = (pick: (b: Burst) => number): number => bursts.reduce((total, b) => total + pick(b), 0);
  const count = sum((b) => b.count);
  return {
    rate: sum((b) => b.rate) / bursts.length,
    cpuPerRequest: sum((b) => b.cpu) / count,
    userPerRequest: sum((b) => b.user) / count,
  };
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
  const { port, path } = TARGETS[name];
  const before = await cpuOf(server);
  const step = { name, url: `http://127.0.0.1:${server.ports[port]}${path}`, seconds, connections, secret };
  const answer = await ask<{ rate?: number; count?: number; error?: string }>(
    loader,
    step,
    (seconds + 30) * 1000,
  );
  const after = await cpuOf(server);
  if (answer.error !== undefined || answer.rate === undefined || answer.count === undefined) {
    throw new Error(answer.error ?? "load generator gave no rate");
  }
  const user = after.user - before.user;
  return { rate: answer.rate, count: answer.count, cpu: user + after.system - before.system, user };
}

export interface HttpSettings {
  /** Gateway server processes, one after the other, each for an equal share of the rounds. */
  processes: number;
  rounds: number;
  seconds: number;
  connections: number;
  /** Most gateway processes a second stage may add when the check cost's target is undecided. */
  moreProcesses: number;
}

export async function httpRows(settings: HttpSettings): Promise<Row[]> {
  const secret = makeSecret(64);
  const children: ChildProcess[] = [];
  try {
    const loader = fork(join(root, "bench", "load.js"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(loader);
    const servers = new Map<ServerKind, ServerChild>();
    for (const kind of ["gateways", "express", "hono"] as const) {
      const server = await startServer(kind, secret);
      children.push(server.child);
      servers.set(kind, server);
    }
    const burst = (name: string, seconds: number): Promise<Burst> =>
      measure(loader, servers.get(TARGETS[name].kind) as ServerChild, name, secret, { ...settings, seconds });

    for (const name of NAMES) await burst(name, 1); // warm-up
    const perProcess = Math.ceil(settings.rounds / settings.processes);
    /** The gateways' server process of each round. */
    const processOf: number[] = [];
    const rounds = new Map<string, Round[]>(NAMES.map((name) => [name, []]));
    const record = (name: string, bursts: Burst[]): void => void rounds.get(name)?.push(roundOf(bursts));
    /** Per pair: the plain gateway's figures of the rounds the pair was measured in. */
    const baseOf = new Map<string, Round[]>(PAIRS.map((name) => [name, []]));
    const get = (name: string): Round[] => rounds.get(name) as Round[];
    /** Per gateway server process, the figures of its rounds. */
    const byProcess = (values: readonly number[]): Sample => {
      const groups: number[][] = [];
      values.forEach((value, r) => (groups[processOf[r]] ??= []).push(value));
      return { groups };
    };

    const cpuDiff = (name: string, pick = (r: Round): number => r.cpuPerRequest): Sample =>
      byProcess(
        pairedDifferences(
          get(name).map((r) => pick(r) * 1000),
          (baseOf.get(name) as Round[]).map((r) => pick(r) * 1000),
        ),
      );
    /** The check cost, judged: server CPU per request with − without, paired within each round. */
    const checkCostRow = (): Row =>
      judgedRow("3", "check cost: server CPU per request, with − without", cpuDiff(GUARDED), ns, {
        text: "≤ 1 µs",
        bounds: { max: 1000 },
      });
    /** Rounds `from` to `to` (excluded), a fresh gateway server every `perProcess` rounds. */
    const runRounds = async (from: number, to: number): Promise<void> => {
      for (let r = from; r < to; r++) {
        if (r > 0 && r % perProcess === 0) {
          const old = servers.get("gateways") as ServerChild;
          await stop(old.child);
          const fresh = await startServer("gateways", secret);
          children.push(fresh.child);
          servers.set("gateways", fresh);
          for (const name of NAMES) if (TARGETS[name].kind === "gateways") await burst(name, WARM_UP_SECONDS);
        }
        processOf.push(Math.floor(r / perProcess));
        const side = r % SIDE_EVERY === 0 ? [EXPRESS, HONO] : [];
        for (const block of shuffle([...PAIRS, ...side])) {
          if (!PAIRS.includes(block)) {
            record(block, [await burst(block, settings.seconds)]);
            continue;
          }
          // The pair, each half as long, ABBA (BAAB in odd rounds): a drift over the block weighs on both.
          const [first, second] = alternate(block, PLAIN, r);
          const half = settings.seconds / 2;
          const a1 = await burst(first, half);
          const b1 = await burst(second, half);
          const b2 = await burst(second, half);
          const a2 = await burst(first, half);
          const pair = new Map([
            [first, roundOf([a1, a2])],
            [second, roundOf([b1, b2])],
          ]);
          record(
            block,
            [a1, a2, b1, b2].filter((_, i) => (i < 2 ? first : second) === block),
          );
          baseOf.get(block)?.push(pair.get(PLAIN) as Round);
        }
      }
    };
    await runRounds(0, settings.rounds);
    const processes = processOf[processOf.length - 1] + 1;
    let checkCost = checkCostRow();
    const added = processesToAdd([checkCost], processes, perProcess, settings.moreProcesses);
    if (added > 0) {
      await runRounds(settings.rounds, settings.rounds + added * perProcess);
      checkCost = checkCostRow();
    }
    // The plain gateway's own figures: those of its rounds beside the gateway with the check.
    rounds.set(PLAIN, baseOf.get(GUARDED) as Round[]);

    const rows: Row[] = [];
    for (const name of NAMES) {
      const rates = summarize(get(name).map((r) => r.rate));
      rows.push(
        {
          section: "3",
          figure: `${name}, requests/s`,
          value: perSecond(rates.median),
          spread: `IQR ${perSecond(rates.q1)} – ${perSecond(rates.q3)}`,
        },
        judgedRow(
          "3",
          `${name}, server CPU per request`,
          TARGETS[name].kind === "gateways"
            ? byProcess(get(name).map((r) => r.cpuPerRequest * 1000))
            : get(name).map((r) => r.cpuPerRequest * 1000),
          ns,
        ),
      );
    }
    const rateRatio = (name: string): Summary =>
      summarize(get(name).map((r, i) => r.rate / (baseOf.get(name) as Round[])[i].rate));
    rows.push(
      aaRow("3", "server CPU per request, a second plain gateway − plain", cpuDiff(PLAIN_AGAIN), ns),
      positiveRow(
        "3",
        `server CPU per request, action spins ${HTTP_CONTROL_NS} ns − plain`,
        cpuDiff(BUSY),
        ns,
      ),
      checkCost,
      stageRow("3", "the check cost", processes, added),
    );
    // Where the cost falls: the server's own code (user time) or the kernel's (system time: the
    // loopback's sends and wake-ups, which change with the server's pace).
    rows.push(
      judgedRow(
        "3",
        "check cost, user CPU only, with − without",
        cpuDiff(GUARDED, (r) => r.userPerRequest),
        ns,
      ),
      judgedRow(
        "3",
        "check cost, system CPU only, with − without",
        cpuDiff(GUARDED, (r) => r.cpuPerRequest - r.userPerRequest),
        ns,
      ),
    );
    const vsPlain = rateRatio(GUARDED);
    rows.push({
      section: "3",
      figure: "with / without the check (requests/s)",
      value: ratio(vsPlain.median),
      spread: ratioSpread(vsPlain),
    });
    // Express and Hono: against the guarded gateway's rounds of the same rounds (every SIDE_EVERY-th).
    const sideRounds = get(GUARDED).filter((_, r) => r % SIDE_EVERY === 0);
    const relative = (base: string): number[] => sideRounds.map((g, i) => g.rate / get(base)[i].rate);
    rows.push(
      judgedRow("3", "with the check / Express 5 sketch (requests/s)", relative(EXPRESS), (v) => ratio(v), {
        text: "> 1 (ahead)",
        bounds: { min: 1 },
      }),
      judgedRow("3", "with the check / Hono bearerAuth (requests/s)", relative(HONO), (v) => ratio(v)),
    );
    return rows;
  } finally {
    await Promise.all(children.map(stop));
  }
}
