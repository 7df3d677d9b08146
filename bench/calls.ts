/**
 * Section 2: `broker.call` throughput on one broker, no transporter, with and without the
 * middleware. Every call presents a header string built for that call, as every HTTP request does.
 */
import { ServiceBroker, type BrokerOptions, type ServiceSchema } from "moleculer";
import { library } from "./package";
import { ratio, ratioSpread, perSecond, type Row } from "./report";
import { median, shuffle, summarize } from "./stats";
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
 * awaited calls of each variant, in a shuffled order, after `warmUp` calls of each.
 */
export async function timeRounds(
  variants: Record<string, Call>,
  rounds: number,
  callsPerRound: number,
  warmUp: number,
): Promise<Map<string, number[]>> {
  for (const call of Object.values(variants)) await timeCalls(call, warmUp);
  const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffle(Object.keys(variants))) {
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
    const rows: Row[] = [];
    for (const [name, perCall] of times) {
      const s = summarize(perCall.map((ns) => 1e9 / ns));
      rows.push({
        section: "2",
        figure: `${name}, calls/s`,
        value: perSecond(s.median),
        spread: `${perSecond(s.q1)} – ${perSecond(s.q3)}`,
      });
    }
    // c' has no target of its own: it shows what a rope costs the check (V8 flattens it on first
    // read); headers from Node's HTTP parser are flat, as in c.
    const ratios: [string, string, number | undefined][] = [
      ["b1: middleware, unprotected action", "b1/a", 0.98],
      ["b2: middleware, internal call (no caller)", "b2/a", 0.98],
      ["c: middleware, gateway call, valid secret", "c/a", 0.8],
      ["c': as c, header joined from two halves", "c'/a", undefined],
    ];
    for (const [name, label, min] of ratios) {
      // Throughput ratio within each round: time of a / time of the variant.
      const s = summarize((times.get(name) as number[]).map((ns, i) => base[i] / ns));
      rows.push({
        section: "2",
        figure: `${label} (throughput ratio)`,
        value: ratio(s.median),
        spread: ratioSpread(s),
        target: min === undefined ? undefined : `≥ ${min.toFixed(2)}`,
        pass: min === undefined ? undefined : s.median >= min,
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
    await Promise.all([plain.stop(), guarded.stop()]);
  }
}
