/**
 * Section 2: `broker.call` throughput on one broker, no transporter, with and without the
 * middleware. Every call presents a header string built for that call, as every HTTP request does.
 */
import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { CONTROL_NS, spin } from "./busy";
import { library } from "./package";
import { aaRow, judgedRow, ns, positiveRow, ratio, ratioSpread, type Row } from "./report";
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
  rounds: number;
  callsPerRound: number;
}

export async function callRows({ rounds, callsPerRound }: CallSettings): Promise<Row[]> {
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

    const base = times.get("a: no middleware") as number[];
    const get = (name: string): number[] => times.get(name) as number[];
    const rows: Row[] = [];
    for (const [name, perCall] of times) {
      rows.push(judgedRow("2", `${name}: time per call`, perCall, ns));
    }
    // What each variant adds to a call of a, round by round (same round, alternating order).
    const added = (name: string): number[] => pairedDifferences(get(name), base);
    rows.push(
      aaRow(
        "2",
        "a' − a (two brokers without the middleware)",
        added("a': no middleware, a second broker (A/A)"),
        ns,
      ),
      positiveRow(
        "2",
        `a+ − a (the action spins ${CONTROL_NS} ns)`,
        added("a+: no middleware, the action spins 500 ns"),
        ns,
      ),
    );
    // c' has no target of its own: it shows what a rope costs the check (V8 flattens it on first
    // read); headers from Node's HTTP parser are flat, as in c.
    const targets: [string, string, number | undefined][] = [
      ["b1: middleware, unprotected action", "b1", 15],
      ["b2: middleware, internal call (no caller)", "b2", 15],
      ["c: middleware, gateway call, valid secret", "c", 100],
      ["c': as c, header joined from two halves", "c'", undefined],
    ];
    for (const [name, label, max] of targets) {
      rows.push(
        judgedRow(
          "2",
          `${label} − a: added per call`,
          added(name),
          ns,
          max === undefined ? undefined : { text: `≤ ${max} ns`, bounds: { max } },
        ),
      );
    }
    for (const [name, label] of targets) {
      // Throughput ratio within each round: time of a / time of the variant (no target: the added time is judged).
      const s = summarize(get(name).map((t, i) => base[i] / t));
      rows.push({
        section: "2",
        figure: `${label}/a (throughput ratio)`,
        value: ratio(s.median),
        spread: ratioSpread(s),
      });
    }
    // Allocation per call, beside the throughput: the full check (c) against no middleware (a).
    const bytesA = await bytesPerCall(variants["a: no middleware"]);
    const bytesC = await bytesPerCall(variants["c: middleware, gateway call, valid secret"]);
    const basis = "median of 21 × 200 calls";
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
  } finally {
    await Promise.all([plain.stop(), plainAgain.stop(), guarded.stop()]);
  }
}
