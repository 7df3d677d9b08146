import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SharedSecretMiddleware, type SharedSecretOptions } from "../../index";
import { localBroker } from "../helpers/broker";
import { CaptureLogger } from "../helpers/capture-logger";

const REFUSAL = /^Shared secret: .*; requireSecret is set, so this node does not start\.$/;

/** A broker with the middleware and one service that records whether it was started. */
function brokerWith(options: SharedSecretOptions) {
  const started: string[] = [];
  const broker = localBroker("require", {
    logger: new CaptureLogger({ level: "info" }),
    middlewares: [SharedSecretMiddleware(options)],
  });
  broker.createService({
    name: "door",
    started() {
      started.push("door");
    },
  });
  return { broker, started };
}

describe("requireSecret", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    delete process.env.SHARED_SECRET;
    delete process.env.SHARED_SECRET_PREVIOUS;
    delete process.env.SHARED_SECRET_FILE;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it("refuses to start without a secret before any service starts (no gateway listens meanwhile)", async () => {
    const { broker, started } = brokerWith({ requireSecret: true });
    await expect(broker.start()).rejects.toThrow(REFUSAL);
    expect(started).toEqual([]);
    await broker.stop();
  });

  it("refuses an empty secret file before any service starts", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "require-secret-"));
    const file = path.join(dir, "secret");
    fs.writeFileSync(file, "# nothing yet\n");
    try {
      const { broker, started } = brokerWith({ requireSecret: true, secretFile: file });
      await expect(broker.start()).rejects.toThrow(REFUSAL);
      expect(started).toEqual([]);
      await broker.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a provider that answers with no secret, once it has answered", async () => {
    const { broker } = brokerWith({ requireSecret: true, secret: () => [] });
    await expect(broker.start()).rejects.toThrow(REFUSAL);
    await broker.stop();
  });

  it("starts with the secret in SHARED_SECRET", async () => {
    process.env.SHARED_SECRET = "require-secret-3c8e1f0a9b7d2e5c4a6f8b1d0e9c7a3f";
    const { broker, started } = brokerWith({ requireSecret: true });
    await expect(broker.start()).resolves.toBeUndefined();
    expect(started).toEqual(["door"]);
    await broker.stop();
  });
});
