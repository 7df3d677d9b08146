import { clusteredMedianInterval, judge, medianInterval, medianRanks } from "../../bench/stats";

describe("the benchmark's confidence interval of a median", () => {
  it.each([
    // n, 0-based ranks of the 95% order-statistic interval (tables of the binomial sign test)
    [6, 0, 5],
    [20, 5, 14],
    [100, 39, 60],
  ])("takes the order statistics the Binomial(n, 1/2) distribution gives for n = %i", (n, lo, hi) => {
    expect(medianRanks(n)).toEqual([lo, hi]);
  });

  it("covers the whole sample when it is too small for an interval", () => {
    expect(medianRanks(3)).toEqual([0, 2]);
  });

  it("reads the interval from the sorted values, whatever their order", () => {
    const values = Array.from({ length: 20 }, (_, i) => (i * 7) % 20);
    expect(medianInterval(values)).toEqual({ median: 9.5, lo: 5, hi: 14, n: 20 });
  });
});

describe("the benchmark's interval over several processes", () => {
  // Eight processes, each with its own offset (−350 to +350 ns), 100 rounds of small noise each.
  const groups = Array.from({ length: 8 }, (_, p) =>
    Array.from({ length: 100 }, (_, r) => (p - 3.5) * 100 + ((r * 37) % 11) - 5),
  );

  it("puts the processes' offsets into the interval, where one level would call them signal", () => {
    const pooled = medianInterval(groups.flat());
    const clustered = clusteredMedianInterval(groups);
    expect(clustered.hi - clustered.lo).toBeGreaterThan(2 * (pooled.hi - pooled.lo));
    expect(clustered.lo).toBeLessThan(-100);
    expect(clustered.hi).toBeGreaterThan(100);
    expect(clustered).toMatchObject({ n: 800, groups: 8 });
  });

  it("gives the same interval for the same measurements", () => {
    expect(clusteredMedianInterval(groups)).toEqual(clusteredMedianInterval(groups));
  });
});

describe("a verdict on an interval", () => {
  const interval = (lo: number, median: number, hi: number) => ({ lo, median, hi, n: 100 });

  it("passes when the whole interval is inside the target", () => {
    expect(judge(interval(10, 20, 30), { max: 100 })).toEqual({ verdict: "PASS" });
  });

  it("misses when the whole interval is outside the target", () => {
    expect(judge(interval(110, 120, 130), { max: 100 })).toEqual({ verdict: "MISS" });
    expect(judge(interval(0.5, 0.6, 0.7), { min: 0.9, max: 1.1 })).toEqual({ verdict: "MISS" });
  });

  it("is undecided when the interval straddles the target, and says how many rounds would decide it", () => {
    // half-width 20, distance 10: four times the rounds
    expect(judge(interval(70, 90, 110), { max: 100 })).toEqual({ verdict: "UNDECIDED", roundsNeeded: 400 });
    expect(judge(interval(90, 100, 110), { max: 100 })).toEqual({
      verdict: "UNDECIDED",
      roundsNeeded: Infinity,
    });
  });
});
