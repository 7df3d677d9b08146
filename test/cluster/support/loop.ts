import { get } from "./http";

/** One request of a fault loop and how it ended. */
export interface Outcome {
  /** Milliseconds since the epoch when the request was sent. */
  at: number;
  path: string;
  withSecret: boolean;
  /** HTTP status, or 0 when no HTTP answer came (connection refused, timeout). */
  status: number;
}

export interface Probe {
  path: string;
  headers: Record<string, string>;
}

/**
 * Sends each of `probes` over and over, one worker per probe (so a request stuck for its timeout does
 * not hide the others), until `stop()` is called or a bound is reached: a total request count and a
 * duration, so the loop always ends by itself.
 */
export function requestLoop(base: string, probes: readonly Probe[], maxRequests: number, maxMs: number) {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const started = Date.now();
  const worker = async (probe: Probe) => {
    while (!stopped && outcomes.length < maxRequests && Date.now() - started < maxMs) {
      const at = Date.now();
      let status: number;
      try {
        status = (await get(`${base}${probe.path}`, probe.headers, 5000)).status;
      } catch {
        status = 0;
      }
      outcomes.push({ at, path: probe.path, withSecret: "x-shared-secret" in probe.headers, status });
      await new Promise((resume) => setTimeout(resume, 100));
    }
  };
  const done = Promise.all(probes.map(worker));
  return {
    outcomes,
    /** Resolves once a request with the secret sent after `since` was granted. */
    async grantedSince(since: number, timeoutMs: number): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = outcomes.find((o) => o.at >= since && o.withSecret && o.status === 200);
        if (hit) return hit.at;
        if (Date.now() > deadline || stopped) throw new Error(`no request granted within ${timeoutMs} ms`);
        await new Promise((resume) => setTimeout(resume, 100));
      }
    },
    /**
     * Resolves once the last `count` answers to every probe are normal (200 with the secret, 401
     * without), i.e. service has resumed; a bound, not a speed check.
     */
    async settled(count: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Per probe (one worker each), so a worker stuck on a slow request cannot be outrun by the others.
        const byProbe = probes.map((p) =>
          outcomes
            .filter((o) => o.path === p.path && o.withSecret === "x-shared-secret" in p.headers)
            .sort((a, b) => a.at - b.at)
            .slice(-count),
        );
        const normal = (o: Outcome) => o.status === (o.withSecret ? 200 : 401);
        if (byProbe.every((last) => last.length === count && last.every(normal))) return;
        if (Date.now() > deadline || stopped)
          throw new Error(`service did not settle within ${timeoutMs} ms`);
        await new Promise((resume) => setTimeout(resume, 100));
      }
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** The figures a fault test reports. */
export interface Figures {
  sent: number;
  grantedWithoutSecret: number;
  /** Requests that got neither their normal answer (200 with the secret, 401 without) nor any. */
  failed: number;
  /** Status (0 = no answer) to count, among the failed. */
  failures: Record<string, number>;
  /** From the fault to the first granted request after which nothing failed, in ms. */
  recoveredAfterMs: number;
}

export function figures(unordered: readonly Outcome[], faultAt: number): Figures {
  const outcomes = [...unordered].sort((a, b) => a.at - b.at);
  const normal = (o: Outcome) => (o.withSecret ? o.status === 200 : o.status === 401);
  const failedOnes = outcomes.filter((o) => !normal(o));
  const failures: Record<string, number> = {};
  for (const o of failedOnes) failures[o.status] = (failures[o.status] ?? 0) + 1;
  const lastFailure = failedOnes.length > 0 ? failedOnes[failedOnes.length - 1].at : faultAt;
  const recovered = outcomes.find((o) => o.at > lastFailure && o.withSecret && o.status === 200);
  return {
    sent: outcomes.length,
    grantedWithoutSecret: outcomes.filter((o) => !o.withSecret && o.status === 200).length,
    failed: failedOnes.length,
    failures,
    recoveredAfterMs: recovered ? recovered.at - faultAt : Number.NaN,
  };
}
