import { CHECKS_METRIC, SharedSecretMiddleware } from "../../index";
import { SECRET, startApp, type TestApp } from "../helpers/app";
import { until } from "../helpers/wait";

const PREVIOUS = "previous-secret-5b6c7d8e9f0a1b2c3d4e5f60718293a4";

describe("metrics of checks", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      broker: {
        metrics: { enabled: true },
        middlewares: [
          SharedSecretMiddleware({
            secret: [
              { value: SECRET, name: "current" },
              { value: PREVIOUS, name: "previous" },
            ],
          }),
        ],
      },
    });
    const mix: [number, Record<string, string>][] = [
      [3, { "x-shared-secret": SECRET }],
      [2, { "x-shared-secret": PREVIOUS }],
      [4, {}],
      [5, { "x-shared-secret": "wrong" }],
    ];
    for (const [times, headers] of mix) {
      for (let i = 0; i < times; i++) await app.get("/protected", headers);
    }
    await app.get("/health"); // not protected: not counted
    await app.broker.call("protected.access"); // in-process: not checked, not counted
  });
  afterAll(() => app.stop());

  it("counts every check by outcome, matched secret label and action, exactly", () => {
    const snapshot = app.broker.metrics.getMetric(CHECKS_METRIC)?.snapshot() as {
      labels: Record<string, string>;
      value: number;
    }[];
    const rows = snapshot
      .map((v) => `${v.labels.outcome}/${v.labels.secret}/${v.labels.action}=${v.value}`)
      .sort();
    // Refusals happen at the door; accepted requests are checked at the door and again by the action.
    expect(rows).toEqual([
      "accepted/current/api.door=3",
      "accepted/current/protected.access=3",
      "accepted/previous/api.door=2",
      "accepted/previous/protected.access=2",
      "invalid//api.door=5",
      "missing//api.door=4",
    ]);
  });

  it("never puts a secret in the registry", () => {
    expect(JSON.stringify(app.broker.metrics.list())).not.toContain(SECRET);
    expect(JSON.stringify(app.broker.metrics.list())).not.toContain(PREVIOUS);
  });
});

describe("logs of rejections", () => {
  it("logs a flood of bad requests in a bounded number of warn lines, saying how many were dropped", async () => {
    const app = await startApp({
      broker: {
        middlewares: [
          SharedSecretMiddleware({ secret: SECRET, rejectionLogLimit: 5, rejectionLogInterval: 500 }),
        ],
      },
    });
    const presented: string[] = [];
    const accounted = () =>
      app.logger.lines.filter((l) => l.includes("refused GET request to")).length +
      app.logger.lines
        .filter((l) => l.includes("not logged in the last window"))
        .reduce((sum, l) => sum + Number(/(\d+) more/.exec(l)?.[1]), 0);
    try {
      for (let i = 0; i < 200; i++) {
        const value = `bad-${i}-${SECRET.slice(0, 10)}`;
        presented.push(value);
        await app.get(
          "/protected",
          i % 4 === 0 ? {} : { "x-shared-secret": value, "x-request-id": `req-${i}` },
        );
      }
      // Every refusal is either a line or counted in a summary line once its window closes.
      await until(() => accounted() === 200);
    } finally {
      await app.stop();
    }
    const refused = app.logger.lines.filter((l) => l.includes("refused GET request to"));
    const summaries = app.logger.lines.filter((l) => l.includes("not logged in the last window"));
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    // At most 5 lines per 500 ms window, plus one summary line per window with drops.
    expect(refused.length).toBeLessThanOrEqual(5 * (summaries.length + 1));
    expect(refused.length).toBeLessThan(200);
    expect(refused[0]).toMatch(/^warn .*refused GET request to gateway 'api' \(missing\)\.$/);
    expect(refused[1]).toMatch(/refused GET request to gateway 'api' \(invalid\), request req-1\.$/);
    const log = app.logger.lines.join("\n");
    for (const value of presented) expect(log).not.toContain(value);
    expect(log).not.toContain(SECRET);
  });
});
