import { Context, ServiceBroker } from "moleculer";
import { createRejectionLog, createTelemetry } from "../../lib/check/telemetry";
import { CaptureLogger } from "../helpers/capture-logger";

/** A rejection log writing into `lines`, one line per refusal (a limit no test reaches). */
function capture(): { lines: string[]; log(requestID: unknown): void } {
  const lines: string[] = [];
  const logger = { info: () => undefined, error: () => undefined, warn: (line: string) => lines.push(line) };
  const logRejection = createRejectionLog(logger);
  return { lines, log: (requestID) => logRejection("GET request (invalid)", requestID, 1000, 60000) };
}

describe("a refusal's log line", () => {
  it.each([
    ["no request ID", undefined],
    ["a null request ID", null],
    ["an empty request ID", ""],
  ])("names no request when there is %s", (_name, requestID) => {
    const { lines, log } = capture();
    log(requestID);
    expect(lines).toEqual(["Shared secret: refused GET request (invalid)."]);
  });

  it.each([
    ["a plain request ID", "req-42", "req-42"],
    ["a number", 7, "7"],
    ["a request ID of unprintable characters, each made a ?", "a\u0000b\u00e9c\u2028d", "a?b?c?d"],
    ["a request ID over 64 characters, cut to 64", "x".repeat(100), "x".repeat(64)],
  ])("names %s", (_name, requestID, printed) => {
    const { lines, log } = capture();
    log(requestID);
    expect(lines).toEqual([`Shared secret: refused GET request (invalid), request ${printed}.`]);
  });
});

describe("a refused call's log line", () => {
  const logger = new CaptureLogger({ level: "warn" });
  const broker = new ServiceBroker({ nodeID: `telemetry-${process.pid}`, transporter: null, logger });
  const telemetry = createTelemetry(broker);
  afterAll(() => broker.stop());

  /** A call context as the guard sees it: its caller (null for none) and its request ID. */
  function call(caller: string | null, requestID: string): Context {
    const ctx = new Context(broker);
    ctx.caller = caller;
    ctx.requestID = requestID;
    return ctx;
  }

  it("names the caller and the request ID when the call has them", () => {
    const ctx = call("api", "call-7");
    telemetry.rejected(ctx, "vault.read", "invalid", 1000, 60000);
    expect(logger.lines.at(-1)).toMatch(
      /refused call to 'vault\.read' \(invalid\) from 'api', request call-7\.$/,
    );
  });

  it("names no caller when the call has none", () => {
    const ctx = call(null, "call-8");
    telemetry.rejected(ctx, "vault.read", "invalid", 1000, 60000);
    expect(logger.lines.at(-1)).toMatch(/refused call to 'vault\.read' \(invalid\), request call-8\.$/);
    expect(logger.lines.at(-1)).not.toContain("null");
  });
});
