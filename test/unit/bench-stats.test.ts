import { processesToAdd } from "../../bench/children";
import type { Row } from "../../bench/report";
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

describe("the benchmark's second stage for an undecided target", () => {
  const row = (verdict: Row["verdict"], roundsNeeded?: number, control?: boolean): Row => ({
    section: "2",
    figure: "x",
    value: "",
    spread: "",
    verdict,
    roundsNeeded,
    control,
  });

  it("adds nothing when every target is decided", () => {
    expect(processesToAdd([row("PASS"), row("MISS")], 16, 400, 16)).toBe(0);
  });

  it("adds the processes the neediest target's estimate asks for, with a quarter more", () => {
    // 9,000 rounds x 1.25 = 11,250 rounds = 28.1 processes of 400, 16 of them done: 13 more
    expect(processesToAdd([row("UNDECIDED", 7000), row("UNDECIDED", 9000), row("PASS")], 16, 400, 16)).toBe(
      13,
    );
  });

  it("adds at least one process, and never more than allowed", () => {
    expect(processesToAdd([row("UNDECIDED", 6500)], 16, 400, 16)).toBe(5);
    expect(processesToAdd([row("UNDECIDED", 5000)], 16, 400, 16)).toBe(1);
    expect(processesToAdd([row("UNDECIDED", 1e9)], 16, 400, 16)).toBe(16);
    expect(processesToAdd([row("UNDECIDED", 9000)], 16, 400, 0)).toBe(0);
  });

  it("adds nothing for a median on the bound, which no number of rounds decides, nor for a control", () => {
    expect(processesToAdd([row("UNDECIDED", Infinity)], 16, 400, 16)).toBe(0);
    expect(processesToAdd([row("UNDECIDED", 9000, true)], 16, 400, 16)).toBe(0);
  });
});

describe("a control's interval", () => {
  it("is wider at the controls' 99.5% than at 95%, for the same values", () => {
    const values = Array.from({ length: 200 }, (_, i) => (i * 37) % 200);
    const usual = medianInterval(values);
    const control = medianInterval(values, 0.995);
    expect(control.lo).toBeLessThan(usual.lo);
    expect(control.hi).toBeGreaterThan(usual.hi);
    const groups = Array.from({ length: 8 }, (_, g) => values.slice(g * 25, g * 25 + 25));
    const clustered = clusteredMedianInterval(groups);
    const clusteredControl = clusteredMedianInterval(groups, 5000, 0.995);
    expect(clusteredControl.lo).toBeLessThan(clustered.lo);
    expect(clusteredControl.hi).toBeGreaterThan(clustered.hi);
  });
});
