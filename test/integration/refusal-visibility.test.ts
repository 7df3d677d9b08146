import { ServiceBroker } from "moleculer";
import { SharedSecretMiddleware } from "../../index";
import { startApp, type TestApp } from "../helpers/app";

const SECRET = "visible-secret-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

interface ExportedSpan {
  name: string;
  error?: { type?: string; code?: number } | null;
  tags?: Record<string, unknown>;
}

describe("a refused call, for operators", () => {
  const spans: ExportedSpan[] = [];
  const broker = new ServiceBroker({
    nodeID: `visible-${process.pid}`,
    transporter: null,
    logger: false,
    metrics: { enabled: true },
    tracing: {
      enabled: true,
      exporter: [{ type: "Event", options: { eventName: "$tracing.spans", interval: 0 } }],
    },
    middlewares: [SharedSecretMiddleware({ secret: SECRET })],
  });
  beforeAll(async () => {
    broker.createService({ name: "vault", actions: { read: () => "secret stuff" } });
    broker.createService({
      name: "collector",
      events: {
        "$tracing.spans"(ctx: { params: ExportedSpan[] }) {
          spans.push(...ctx.params);
        },
      },
    });
    await broker.start();
  });
  afterAll(() => broker.stop());

  it("leaves a span marked with its error, holding no presented value", async () => {
    const presented = "presented-value-that-must-not-appear";
    await expect(
      broker.call("vault.read", {}, { caller: "api", meta: { headers: { "x-shared-secret": presented } } }),
    ).rejects.toMatchObject({ code: 401 });
    const deadline = Date.now() + 5000;
    while (!spans.some((s) => s.name === "action 'vault.read'") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const span = spans.find((s) => s.name === "action 'vault.read'");
    expect(span?.error).toMatchObject({ type: "ERR_INVALID_SECRET", code: 401 });
    expect(span?.tags).toMatchObject({ sharedSecret: "invalid" });
    expect(JSON.stringify(spans)).not.toContain(presented);
    expect(JSON.stringify(spans)).not.toContain(SECRET);
  });

  it("is counted in the checks metric, by outcome", () => {
    const snapshot = broker.metrics.getMetric("shared_secret.checks.total")?.snapshot() as {
      labels: Record<string, string>;
      value: number;
    }[];
    expect(snapshot).toContainEqual(
      expect.objectContaining({
        labels: expect.objectContaining({ outcome: "invalid", action: "vault.read" }),
        value: 1,
      }),
    );
  });
});

describe("a refused request's log line", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET, rejectionLogLimit: 10000 })] },
    });
  });
  afterAll(() => app.stop());

  /** The refusal lines logged while `act` ran. */
  async function refusalLines(act: () => Promise<unknown>): Promise<string[]> {
    const before = app.logger.lines.length;
    await act();
    return app.logger.lines.slice(before).filter((l) => l.includes("Shared secret: refused"));
  }

  it.each([
    ["without an X-Request-ID header", {}],
    ["with an empty X-Request-ID header", { "x-request-id": "" }],
  ])("names no request ID %s", async (_name, extra) => {
    const presented = "presented-value-that-must-not-appear";
    const lines = await refusalLines(() => app.get("/protected", { "x-shared-secret": presented, ...extra }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refused GET request to gateway 'api' \(invalid\)\.$/);
    expect(lines[0]).not.toContain("undefined");
    expect(lines[0]).not.toContain(presented);
  });

  it("names the request ID the client gave", async () => {
    const lines = await refusalLines(() =>
      app.get("/protected", { "x-shared-secret": "wrong", "x-request-id": "req-42" }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refused GET request to gateway 'api' \(invalid\), request req-42\.$/);
  });

  it("names a long request ID cut to 64 characters", async () => {
    const id = `${"r".repeat(64)}-beyond`;
    const lines = await refusalLines(() =>
      app.get("/protected", { "x-shared-secret": "wrong", "x-request-id": id }),
    );
    expect(lines[0]).toMatch(new RegExp(`, request ${"r".repeat(64)}\\.$`));
    expect(lines[0]).not.toContain("-beyond");
  });

  it("names the call's request ID and caller when the action refuses it", async () => {
    const lines = await refusalLines(() =>
      expect(
        app.broker.call(
          "protected.access",
          {},
          { caller: "api", requestID: "call-7", meta: { headers: { "x-shared-secret": "wrong" } } },
        ),
      ).rejects.toMatchObject({ code: 401 }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refused call to 'protected\.access' \(invalid\) from 'api', request call-7\.$/);
    expect(lines[0]).not.toContain("undefined");
  });
});
