import { runHostileLoad, type LoadSummary } from "../../scripts/hostile-load";
// Type-checks the server script too (it runs in its own process, so nothing else imports it).
import type {} from "../../scripts/hostile-server";

/*
 * A small version of the hostile load (CI also runs the 100,000-request one: npm run test:hostile).
 * The server is a separate process; this process is the client.
 */
describe("the reference app under a hostile load of 5,000 mixed requests", () => {
  let summary: LoadSummary;
  beforeAll(async () => {
    summary = await runHostileLoad({ requests: 5000, concurrency: 32, warmup: 1000 });
  }, 120000);

  it("answers every request", () => {
    const answered = Object.values(summary.byKind).flatMap((row) => Object.values(row));
    expect(answered.reduce((a, b) => a + b, 0)).toBe(5000);
  });

  it("serves every valid request with 200 and refuses every other one, with no 5xx", () => {
    expect(summary.byKind["valid"]).toEqual({ "200": expect.any(Number) });
    expect(summary.byKind["slow-valid"]).toEqual({ "200": expect.any(Number) });
    expect(summary.byKind["invalid"]).toEqual({ "401": expect.any(Number) });
    expect(summary.byKind["missing"]).toEqual({ "401": expect.any(Number) });
    expect(summary.byKind["slow-invalid"]).toEqual({ "401": expect.any(Number) });
    expect(Object.keys(summary.byKind["malformed"]).sort()).toEqual(["400", "401"]);
    expect(
      Object.keys(summary.byKind["oversized"]).every((k) => ["431", "ECONNRESET", "EPIPE"].includes(k)),
    ).toBe(true);
  });

  it("runs the protected handler exactly once per valid request", () => {
    expect(summary.protectedRuns).toBe(summary.byKind["valid"]["200"] + summary.byKind["slow-valid"]["200"]);
  });

  it("keeps the server alive, its heap after GC within 4 MB of the warmed-up baseline, and stops cleanly", () => {
    expect(summary.failures).toEqual([]);
    expect(summary.memoryAfter.heapUsed - summary.memoryBefore.heapUsed).toBeLessThan(4 * 1024 * 1024);
    expect(summary.serverExit).toBe(0);
    expect(summary.ok).toBe(true);
  });
});
