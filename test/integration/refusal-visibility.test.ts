import { ServiceBroker } from "moleculer";
import { SharedSecretMiddleware } from "../../index";

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
