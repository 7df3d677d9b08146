import { SharedSecretMiddleware } from "../../index";
import { SECRET, startApp, type TestApp } from "../helpers/app";
import { encodings } from "../helpers/leaks";

describe("the secret stays out of logs and responses", () => {
  let app: TestApp;
  const WRONG = "presented-but-wrong-7c1e9a0b3d5f";
  const responses: string[] = [];

  beforeAll(async () => {
    app = await startApp({
      broker: {
        logLevel: "trace",
        cacher: "Memory",
        tracing: { enabled: true, exporter: [], actions: true },
        middlewares: [SharedSecretMiddleware({ secret: SECRET })],
      },
      apiSettings: { logResponseData: "debug", log4XXResponses: true, logRequestParams: "debug" },
    });
    const cases: Record<string, string>[] = [
      { "x-shared-secret": SECRET },
      { "x-shared-secret": WRONG },
      { "x-shared-secret": SECRET.slice(0, -1) },
      {},
    ];
    for (const headers of cases) {
      const res = await app.get("/protected?x=1", headers);
      responses.push(JSON.stringify(res.headers) + res.text);
    }
  });
  afterAll(() => app.stop());

  it("logs something at debug and trace level (the check below is not vacuous)", () => {
    expect(app.logger.lines.some((l) => l.startsWith("debug"))).toBe(true);
    expect(app.logger.lines.some((l) => l.includes("GET /protected"))).toBe(true);
  });

  it("writes neither the secret nor a presented value to any log line, in any encoding", () => {
    const log = app.logger.lines.join("\n");
    for (const value of [SECRET, WRONG, SECRET.slice(0, -1)]) {
      for (const form of encodings(value)) expect(log).not.toContain(form);
    }
  });

  it("echoes neither in any response", () => {
    const all = responses.join("\n");
    for (const value of [SECRET, WRONG, SECRET.slice(0, -1)]) {
      for (const form of encodings(value)) expect(all).not.toContain(form);
    }
  });

  it("keeps the secret out of settings, schemas and middleware properties that Moleculer publishes", async () => {
    const published = JSON.stringify([
      await app.broker.call("$node.services", { withActions: true }),
      await app.broker.call("$node.actions"),
      await app.broker.call("$node.options"),
      app.broker.getLocalNodeInfo(),
    ]);
    expect(published).not.toContain(SECRET);
  });
});
