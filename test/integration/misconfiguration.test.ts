import type { ServiceSchema } from "moleculer";
import { SharedSecretMiddleware } from "../../index";
import { localBroker } from "../helpers/broker";
import { CaptureLogger } from "../helpers/capture-logger";

const SECRET = "misconfig-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0";

function broker(
  options: Parameters<typeof SharedSecretMiddleware>[0],
  logger = new CaptureLogger({ level: "info" }),
) {
  return localBroker("misconfig", { logger, middlewares: [SharedSecretMiddleware(options)] });
}

describe("misconfigurations that used to pass silently", () => {
  it.each([
    ["an action", { name: "a", actions: { x: { sharedSecret: "true", handler: () => 1 } } }, "action 'a.x'"],
    ["a service", { name: "b", sharedSecret: 1, actions: { x: () => 1 } }, "the service of action 'b.x'"],
  ])("refuses a non-boolean sharedSecret on %s at creation, naming it", (_what, schema, where) => {
    const b = broker({ secret: SECRET, mode: "opt-in" });
    expect(() => b.createService(schema as unknown as ServiceSchema)).toThrow(
      `Shared secret: "sharedSecret" of ${where} must be true or false.`,
    );
  });

  it("refuses to start a broker with requireSecret and no secret configured", async () => {
    const saved = { ...process.env };
    delete process.env.SHARED_SECRET;
    delete process.env.SHARED_SECRET_FILE;
    delete process.env.SHARED_SECRET_PREVIOUS;
    try {
      const b = broker({ requireSecret: true });
      await expect(b.start()).rejects.toThrow(/no secret configured and requireSecret is set/);
      await b.stop();
    } finally {
      process.env = saved;
    }
  });

  it("starts a broker with requireSecret and a secret", async () => {
    const b = broker({ requireSecret: true, secret: SECRET });
    await expect(b.start()).resolves.toBeUndefined();
    await b.stop();
  });

  it("rejects a requireSecret that is not a boolean, naming the option", () => {
    expect(() => SharedSecretMiddleware({ requireSecret: "yes" as unknown as boolean })).toThrow(
      'Shared secret: "requireSecret" option must be a boolean.',
    );
  });

  it("warns at start-up about a header name with an underscore, which nginx drops by default", async () => {
    const logger = new CaptureLogger({ level: "info" });
    const b = broker({ secret: SECRET, headerName: "x_shared_secret" }, logger);
    await b.start();
    await b.stop();
    const lines = logger.lines.filter((l) => l.includes("has an underscore"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn .*header name 'x_shared_secret' has an underscore; nginx/);
  });
});
