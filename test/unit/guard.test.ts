import type { ActionHandler, Context } from "moleculer";
import { guardAction } from "../../lib/check/guard";
import { markRequestContext } from "../../lib/gateway/forward";
import { refusal, verifyHeaders } from "../../lib/check/verdict";
import { isProtected } from "../../lib/check/protection";
import { resolveOptions } from "../../lib/options";
import type { CallerPolicy } from "../../lib/check/policy";
import type { Telemetry } from "../../lib/check/telemetry";

const SECRET = "unit-secret-0123456789abcdef0123";
const options = resolveOptions({ secret: SECRET });
const gatewayCall = (headers: unknown) => ({ caller: "api", meta: { headers } }) as unknown as Context;
const everyCallerChecked: CallerPolicy = { mustCheck: (caller) => (caller != null ? "gateway" : "no") };
const silent: Telemetry = {
  logger: console,
  count: () => undefined,
  rejected: () => undefined,
  rejectedRequest: () => undefined,
};

/** What the guard verifies for a call: the header in its meta (the guard itself also drops it). */
const verify = (ctx: Context, opts: typeof options) =>
  verifyHeaders((ctx.meta as { headers?: unknown }).headers, opts);

describe("verifying a call", () => {
  it("takes a refused value out of the call's meta too", async () => {
    const ctx = gatewayCall({ "x-shared-secret": "wrong" });
    const guarded = guardAction(() => "ran", {}, options, everyCallerChecked, silent) as (
      c: Context,
    ) => unknown;
    await expect(guarded(ctx)).rejects.toMatchObject({ type: "ERR_INVALID_SECRET" });
    expect((ctx.meta as { headers: unknown }).headers).toEqual({});
  });

  it("accepts the secret and gives the call its own headers without it, leaving the shared object alone", () => {
    const shared = { "x-shared-secret": SECRET, "x-other": "kept" };
    const ctx = gatewayCall(shared);
    expect(verify(ctx, options)).toBe(0);
    const guarded = guardAction(() => "ran", {}, options, everyCallerChecked, silent) as (
      c: Context,
    ) => unknown;
    expect(guarded(ctx)).toBe("ran");
    expect((ctx.meta as { headers: unknown }).headers).toEqual({ "x-other": "kept" });
    // The gateway's other calls for the same request share this object: it still holds the secret.
    expect(shared).toEqual({ "x-shared-secret": SECRET, "x-other": "kept" });
  });

  it.each<[string, unknown]>([
    ["no headers object", undefined],
    ["headers set to null", null],
    ["headers that are a string", "x-shared-secret"],
    ["no header", {}],
    ["an empty header", { "x-shared-secret": "" }],
    ["a null header", { "x-shared-secret": null }],
  ])("answers %s with No secret provided", (_name, headers) => {
    expect(verify(gatewayCall(headers), options)).toBe("missing");
  });

  it.each<[string, unknown]>([
    ["a number", 42],
    ["an array holding the secret", [SECRET]],
    ["an object", { value: SECRET }],
    ["a boolean", true],
    ["a wrong string", "nope"],
  ])("answers %s with Invalid secret, never a pass", (_name, value) => {
    expect(verify(gatewayCall({ "x-shared-secret": value }), options)).toBe("invalid");
  });

  it("answers a hostile headers object that throws with a 401 instead of throwing", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("boom");
        },
      },
    );
    expect(["missing", "invalid"]).toContain(verify(gatewayCall(hostile), options));
  });

  it("answers 500 Server configuration error when no secret is configured, whatever is presented", () => {
    const none = resolveOptions({}, {});
    expect(verify(gatewayCall({ "x-shared-secret": SECRET }), none)).toBe("misconfigured");
  });

  it("returns the index of the matching secret", () => {
    const two = resolveOptions({ secret: ["a".repeat(32), SECRET] });
    expect(verify(gatewayCall({ "x-shared-secret": SECRET }), two)).toBe(1);
  });

  it("refuses a secret past its notAfter with Invalid secret", () => {
    const expiring = resolveOptions({
      secret: [{ value: SECRET, notAfter: Date.now() - 1 }, "b".repeat(32)],
    });
    expect(verify(gatewayCall({ "x-shared-secret": SECRET }), expiring)).toBe("invalid");
  });
});

describe("refusal", () => {
  it.each([
    ["missing" as const, 401, "No secret provided", "ERR_NO_SECRET", "SharedSecretError"],
    ["invalid" as const, 401, "Invalid secret", "ERR_INVALID_SECRET", "SharedSecretError"],
    [
      "misconfigured" as const,
      500,
      "Server configuration error",
      "ERR_SECRET_NOT_CONFIGURED",
      "SharedSecretConfigurationError",
    ],
    [
      "unknown_caller" as const,
      503,
      "Caller not known yet",
      "ERR_CALLER_UNKNOWN",
      "SharedSecretCallerUnknownError",
    ],
  ])("answers %s with %i %s", (code, status, message, type, name) => {
    expect(refusal(code)).toMatchObject({ code: status, message, type, name });
  });
});

describe("guardAction", () => {
  const handler: ActionHandler = () => "ran";

  it("passes calls to an unprotected action straight through, removing the header from gateway calls", () => {
    const seen: unknown[] = [];
    const record: ActionHandler = (ctx: Context) =>
      seen.push({ ...(ctx.meta as { headers?: object }).headers });
    const optIn = resolveOptions({ secret: SECRET, mode: "opt-in" });
    for (const [action, opts] of [
      [{ sharedSecret: false }, options],
      [{}, optIn],
    ] as const) {
      const wrapped = guardAction(record, action, opts, everyCallerChecked, silent) as (
        ctx: Context,
      ) => unknown;
      wrapped(gatewayCall({ "x-shared-secret": "anything", "x-other": "kept" }));
      wrapped({ caller: null, meta: { headers: { "x-shared-secret": "in-process" } } } as unknown as Context);
    }
    expect(seen).toEqual([
      { "x-other": "kept" },
      { "x-shared-secret": "in-process" },
      { "x-other": "kept" },
      { "x-shared-secret": "in-process" },
    ]);
  });

  it("rejects instead of throwing synchronously", () => {
    const guarded = guardAction(handler, {}, options, everyCallerChecked, silent);
    const result = (guarded as (ctx: Context) => unknown)(gatewayCall({}));
    expect(result).toBeInstanceOf(Promise);
    return expect(result).rejects.toMatchObject({ code: 401 });
  });

  it("runs the handler for a call the policy does not check", () => {
    const guarded = guardAction(handler, {}, options, everyCallerChecked, silent) as (
      ctx: Context,
    ) => unknown;
    expect(guarded({ caller: null, meta: {} } as unknown as Context)).toBe("ran");
  });

  it("finds the mark of a marked parent context whose params throw when read, and verifies it", async () => {
    const broker = {};
    const hostileParent = (): object => ({
      broker,
      get params(): never {
        throw new Error("params read");
      },
    });
    const calledFrom = (parent: object) =>
      ({ caller: "api", meta: {}, broker, options: { parentCtx: parent } }) as unknown as Context;
    const guarded = guardAction(handler, {}, options, everyCallerChecked, silent) as (
      ctx: Context,
    ) => unknown;
    const marked = hostileParent();
    markRequestContext(marked as Context, ["x-shared-secret", SECRET]);
    await expect(Promise.resolve(guarded(calledFrom(marked)))).resolves.toBe("ran");
    const wrong = hostileParent();
    markRequestContext(wrong as Context, ["x-shared-secret", "wrong"]);
    await expect(guarded(calledFrom(wrong))).rejects.toMatchObject({ type: "ERR_INVALID_SECRET" });
    // Nothing marked and nothing in meta: refused, not thrown.
    await expect(guarded(calledFrom(hostileParent()))).rejects.toMatchObject({ type: "ERR_NO_SECRET" });
  });
});

describe("isProtected", () => {
  it.each<[string, object, "all" | "opt-in", boolean]>([
    ["a plain action in all mode", {}, "all", true],
    ["a plain action in opt-in mode", {}, "opt-in", false],
    ["an action that opts out", { sharedSecret: false }, "all", false],
    ["an action that opts in", { sharedSecret: true }, "opt-in", true],
    ["an action of a service that opts out", { service: { schema: { sharedSecret: false } } }, "all", false],
    ["an action of a service that opts in", { service: { schema: { sharedSecret: true } } }, "opt-in", true],
    [
      "an action opting in inside a service opting out",
      { sharedSecret: true, service: { schema: { sharedSecret: false } } },
      "all",
      true,
    ],
  ])("decides %s", (_name, action, mode, expected) => {
    expect(isProtected(action, mode)).toBe(expected);
  });
});
