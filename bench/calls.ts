/**
 * Section 2: `broker.call` throughput on one broker, no transporter, with and without the
 * middleware, measured in several child processes (bench/calls-child.ts). Every call presents a header string built for that call, as every HTTP request does.
 */
import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { CONTROL_NS, spin } from "./busy";
import { processesToAdd, runChildren, stageRow } from "./children";
import { library } from "./package";
import { aaRow, judgedRow, ns, positiveRow, ratio, ratioSpread, type Row, type Sample } from "./report";
import { median, pairedDifferences, shuffle, summarize } from "./stats";
import { makeSecret } from "./values";

const RESULT = Object.freeze({ ok: true });

/** Recognised as a gateway by the policy, as moleculer-web marks itself: `metadata.$category`. */
const gatewayLookalike: ServiceSchema = { name: "api", metadata: { $category: "gateway" } };

/** A trivial action, protected (the default mode is "all") or not. */
const bench: ServiceSchema = {
  name: "bench",
  actions: {
    locked() {
      return RESULT;
    },
    open: {
      sharedSecret: false,
      handler() {
        return RESULT;
      },
    },
    /** The positive control: `locked` plus a known cost. */
    busy: {
      sharedSecret: false,
      handler() {
        spin(CONTROL_NS);
        return RESULT;
      },
    },
  },
};

/** A broker with the gateway look-alike and the `bench` service, no transporter, no logger. */
export async function startBroker(nodeID: string, options: Partial<BrokerOptions>): Promise<ServiceBroker> {
  const broker = new ServiceBroker({ nodeID, logger: false, transporter: null, ...options });
  broker.createService(gatewayLookalike);
  broker.createService(bench);
  await broker.start();
  return broker;
}

/** One awaited call of a variant. */
export type Call = () => Promise<unknown>;

/** Awaits `count` calls one after the other and returns the elapsed nanoseconds. */
export async function timeCalls(call: Call, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await call();
  return Number(process.hrtime.bigint() - start);
}

/**
 * Heap bytes allocated per call, from the growth of V8's used heap over `count` awaited calls: the
 * median of `tries` (a try in which a scavenge ran shows as a negative growth and is outvoted).
 */
async function bytesPerCall(call: Call, count = 200, tries = 21): Promise<number> {
  await timeCalls(call, count);
  const perCall: number[] = [];
  for (let t = 0; t < tries; t++) {
    const before = process.memoryUsage().heapUsed;
    await timeCalls(call, count);
    perCall.push((process.memoryUsage().heapUsed - before) / count);
  }
  return median(perCall);
}

/**
 * Nanoseconds per call of each variant, one figure per round: every round times `callsPerRound`
 * awaited calls of each variant, after `warmUp` calls of each. The order alternates: a new shuffled
 * order in even rounds, the same order reversed in the odd round after it, so every pair of
 * variants is measured in both orders, one round after the other.
 */
export async function timeRounds(
  variants: Record<string, Call>,
  rounds: number,
  callsPerRound: number,
  warmUp: number,
): Promise<Map<string, number[]>> {
  for (const call of Object.values(variants)) await timeCalls(call, warmUp);
  const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
  let order = Object.keys(variants);
  for (let round = 0; round < rounds; round++) {
    order = round % 2 === 0 ? shuffle([...order]) : [...order].reverse();
    for (const name of order) {
      times.get(name)?.push((await timeCalls(variants[name], callsPerRound)) / callsPerRound);
    }
  }
  return times;
}

export interface CallSettings {
  /** Child processes, one after the other (bench/calls-child.ts). */
  processes: number;
  /** Rounds in each process. */
  rounds: number;
  callsPerRound: number;
  /** Most processes a second stage may add when a target is undecided (`processesToAdd`). */
  moreProcesses: number;
}

/** What one process measured: ns per call of each variant, round by round, and heap bytes per call of a and c. */
export interface CallTimes {
  times: Record<string, number[]>;
  bytesA: number;
  bytesC: number;
}

/** Measures every variant in this process (bench/calls-child.ts runs it). */
export async function measureCalls(rounds: number, callsPerRound: number): Promise<CallTimes> {
  const secret = makeSecret(64);
  const plain = await startBroker("bench-plain", {});
  const plainAgain = await startBroker("bench-plain-2", {});
  const guarded = await startBroker("bench-guarded", {
    // The gateway look-alike has no door: its calls carry the header in meta, as a remote gateway's do.
    middlewares: [library.SharedSecretMiddleware({ secret, allowGatewayWithoutDoor: true })],
  });

  // The header string of each call is new: decoded from bytes, as Node's HTTP parser makes header
  // strings (flat); or, for c', two halves joined (a rope, which V8 flattens on first read).
  const bytes = Buffer.from(secret, "latin1");
  const decoded = (): string => bytes.toString("latin1");
  const head = secret.slice(0, 32);
  const tail = secret.slice(32);
  const joined = (): string => head + tail;
  // Call options as a remote gateway's calls arrive: the header in the call's own meta.
  const gatewayOptions = (header: () => string, caller?: string) => ({
    ...(caller === undefined ? {} : { caller }),
    meta: { headers: { "x-shared-secret": header() } },
  });
  const call = (broker: ServiceBroker, action: string, header: () => string, caller?: string): Call =>
    function callOnce() {
      return broker.call(action, undefined, gatewayOptions(header, caller));
    };

  const variants: Record<string, Call> = {
    "a: no middleware": call(plain, "bench.locked", decoded, "api"),
    "a': no middleware, a second broker (A/A)": call(plainAgain, "bench.locked", decoded, "api"),
    "a+: no middleware, the action spins 500 ns": call(plain, "bench.busy", decoded, "api"),
    "b1: middleware, unprotected action": call(guarded, "bench.open", decoded, "api"),
    "b2: middleware, internal call (no caller)": call(guarded, "bench.locked", decoded),
    "c: middleware, gateway call, valid secret": call(guarded, "bench.locked", decoded, "api"),
    "c': as c, header joined from two halves": call(guarded, "bench.locked", joined, "api"),
  };
  try {
    // The guarded broker must really check: a gateway call with a wrong secret is refused.
    const refused = await guarded
      .call("bench.locked", undefined, { caller: "api", meta: { headers: { "x-shared-secret": "x" } } })
      .then(
        () => false,
        (err: { code?: number }) => err.code === 401,
      );
    if (!refused) throw new Error("the guarded broker did not refuse a wrong secret");

    const times = await timeRounds(variants, rounds, callsPerRound, callsPerRound * 2);
    // Allocation per call, beside the throughput: the full check (c) against no middleware (a).
    const bytesA = await bytesPerCall(variants["a: no middleware"]);
    const bytesC = await bytesPerCall(variants["c: middleware, gateway call, valid secret"]);
    return { times: Object.fromEntries(times), bytesA, bytesC };
  } finally {
    await Promise.all([plain.stop(), plainAgain.stop(), guarded.stop()]);
  }
}

const BASE = "a: no middleware";

/**
 * The variants with a target, as [variant, label, most ns added]. c' has no target of its own: it
 * shows what a rope costs the check (V8 flattens it on first read); headers from Node's HTTP parser
 * are flat, as in c.
 */
const TARGETS: readonly (readonly [string, string, number | undefined])[] = [
  ["b1: middleware, unprotected action", "b1", 15],
  ["b2: middleware, internal call (no caller)", "b2", 15],
  ["c: middleware, gateway call, valid secret", "c", 100],
  ["c': as c, header joined from two halves", "c'", undefined],
];

/** What `name` adds to a call, round by round in each process: its time − a's, paired. */
function addedTo(answers: readonly CallTimes[], name: string): Sample {
  return { groups: answers.map(({ times }) => pairedDifferences(times[name], times[BASE])) };
}

/** The rows of the variants with a target: what each adds per call, judged. */
function targetRows(answers: readonly CallTimes[]): Row[] {
  return TARGETS.map(([name, label, max]) =>
    judgedRow(
      "2",
      `${label} − a: added per call`,
      addedTo(answers, name),
      ns,
      max === undefined ? undefined : { text: `≤ ${max} ns`, bounds: { max } },
    ),
  );
}

/**
 * Section 2's rows. Its brokers share one copy of the modules in each process, and the processes
 * differ (b1 − a came out at 17.6, 22.5 and 43.8 ns in three single-process runs of 2,000-6,000
 * rounds, each interval ±2-4 ns): every difference is judged on the two-level bootstrap interval
 * over processes and rounds.
 */
export async function callRows(settings: CallSettings): Promise<Row[]> {
  const { processes, rounds, callsPerRound, moreProcesses } = settings;
  const run = (count: number) => runChildren<CallTimes>("calls-child.js", [rounds, callsPerRound], count, 10);
  const first = await run(processes);
  const judged = targetRows(first);
  const added = processesToAdd(judged, first.length, rounds, moreProcesses);
  const answers = added === 0 ? first : first.concat(await run(added));
  const get = (name: string): Sample => ({ groups: answers.map(({ times }) => times[name]) });
  const rows: Row[] = [];
  for (const name of Object.keys(answers[0].times)) {
    rows.push(judgedRow("2", `${name}: time per call`, get(name), ns));
  }
  rows.push(
    aaRow(
      "2",
      "a' − a (two brokers without the middleware)",
      addedTo(answers, "a': no middleware, a second broker (A/A)"),
      ns,
    ),
    positiveRow(
      "2",
      `a+ − a (the action spins ${CONTROL_NS} ns)`,
      addedTo(answers, "a+: no middleware, the action spins 500 ns"),
      ns,
    ),
    ...(added === 0 ? judged : targetRows(answers)),
    stageRow("2", "b1, b2, c", first.length, added),
  );
  for (const [name, label] of TARGETS) {
    // Throughput ratio within each round: time of a / time of the variant (no target: the added time is judged).
    const s = summarize(answers.flatMap(({ times }) => times[name].map((t, i) => times[BASE][i] / t)));
    rows.push({
      section: "2",
      figure: `${label}/a (throughput ratio)`,
      value: ratio(s.median),
      spread: ratioSpread(s),
    });
  }
  const bytesA = median(answers.map((a) => a.bytesA));
  const bytesC = median(answers.map((a) => a.bytesC));
  const basis = `median over ${answers.length} processes of the median of 21 × 200 calls`;
  rows.push(
    {
      section: "2",
      figure: "a: heap bytes allocated per call",
      value: `${bytesA.toFixed(0)} B`,
      spread: basis,
    },
    {
      section: "2",
      figure: "c: heap bytes allocated per call",
      value: `${bytesC.toFixed(0)} B`,
      spread: basis,
    },
    {
      section: "2",
      figure: "c − a: heap bytes the check adds per call",
      value: `${(bytesC - bytesA).toFixed(0)} B`,
      spread: basis,
    },
  );
  return rows;
}
