import type { ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { inspect } from "node:util";
import { SharedSecretMiddleware, SharedSecretStartError } from "../../index";
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
      await expect(b.start()).rejects.toThrow(
        /no secret configured .*; requireSecret is set, so this node does not start\./,
      );
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

describe("start-up refusals a person reads", () => {
  it("refuses to start a moleculer-web gateway without the door, naming it and both fixes, before it listens", async () => {
    const b = broker({ secret: SECRET });
    const api = b.createService({
      name: "edge",
      mixins: [ApiGateway],
      settings: { port: 0, ip: "127.0.0.1" },
    });
    await expect(b.start()).rejects.toThrow(
      "Shared secret: gateway 'edge' has no front door: add SharedSecretGateway() to its mixins (its requests are " +
        "not checked before its routes run, and its calls to protected actions are refused with 401), or set " +
        "allowGatewayWithoutDoor: true in SharedSecretMiddleware's options.",
    );
    expect((api as unknown as { server?: { listening: boolean } }).server?.listening ?? false).toBe(false);
    await b.stop();
  });

  it("names only the missing file with requireSecret and SHARED_SECRET_FILE, in one line", async () => {
    const logger = new CaptureLogger({ level: "info" });
    const b = broker({ requireSecret: true, secretFile: "/nonexistent/shared-secret" }, logger);
    await expect(b.start()).rejects.toThrow(
      /^Shared secret: cannot read the secret file \/nonexistent\/shared-secret .*; requireSecret is set, so this node does not start\.$/,
    );
    expect(logger.lines.filter((l) => l.includes("/nonexistent/shared-secret"))).toEqual([]);
    await b.stop();
  });

  it.each([
    ["a start-up refusal", new SharedSecretStartError("Shared secret: x")],
    [
      "a bad option",
      (() => {
        try {
          SharedSecretMiddleware({ requireSecrets: true } as never);
        } catch (err) {
          return err;
        }
      })(),
    ],
  ])("prints %s without a stack trace where Moleculer's runner and loggers inspect it", (_what, err) => {
    expect(inspect(err)).toMatch(/^\[(SharedSecretStartError|TypeError)\]$/);
    expect((err as Error).message).toMatch(/^Shared secret: /);
  });
});
