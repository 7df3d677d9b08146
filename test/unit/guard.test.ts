import type { ActionHandler, Context } from "moleculer";
import { guardAction, isProtected, verify } from "../../lib/guard";
import { resolveOptions } from "../../lib/options";
import type { CallerPolicy } from "../../lib/policy";

const SECRET = "unit-secret-0123456789abcdef0123";
const options = resolveOptions({ secret: SECRET });
const gatewayCall = (headers: unknown) => ({ caller: "api", meta: { headers } }) as unknown as Context;
const everyCallerChecked: CallerPolicy = { mustCheck: (caller) => caller != null };

describe("verify", () => {
  it("accepts the secret and removes it from ctx.meta.headers", () => {
    const headers = { "x-shared-secret": SECRET, "x-other": "kept" };
    expect(verify(gatewayCall(headers), options)).toBeNull();
    expect(headers).toEqual({ "x-other": "kept" });
  });

  it.each<[string, unknown]>([
    ["no headers object", undefined],
    ["headers set to null", null],
    ["headers that are a string", "x-shared-secret"],
    ["no header", {}],
    ["an empty header", { "x-shared-secret": "" }],
    ["a null header", { "x-shared-secret": null }],
  ])("answers %s with No secret provided", (_name, headers) => {
    expect(verify(gatewayCall(headers), options)).toMatchObject({
      code: 401,
      type: "ERR_NO_SECRET",
      message: "No secret provided",
    });
  });

  it.each<[string, unknown]>([
    ["a number", 42],
    ["an array holding the secret", [SECRET]],
    ["an object", { value: SECRET }],
    ["a boolean", true],
    ["a wrong string", "nope"],
  ])("answers %s with Invalid secret, never a pass", (_name, value) => {
    expect(verify(gatewayCall({ "x-shared-secret": value }), options)).toMatchObject({
      code: 401,
      type: "ERR_INVALID_SECRET",
    });
  });

  it("answers a hostile headers object that throws with Invalid secret instead of throwing", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("boom");
        },
      },
    );
    expect(verify(gatewayCall(hostile), options)).toMatchObject({ code: 401, type: "ERR_INVALID_SECRET" });
  });

  it("answers 500 Server configuration error when no secret is configured, whatever is presented", () => {
    const none = resolveOptions({}, {});
    expect(verify(gatewayCall({ "x-shared-secret": SECRET }), none)).toMatchObject({
      code: 500,
      type: "ERR_SECRET_NOT_CONFIGURED",
      message: "Server configuration error",
    });
  });
});

describe("guardAction", () => {
  const handler: ActionHandler = () => "ran";

  it("returns the original handler for an action that is not protected", () => {
    expect(guardAction(handler, { sharedSecret: false }, options, everyCallerChecked)).toBe(handler);
    const optIn = resolveOptions({ secret: SECRET, mode: "opt-in" });
    expect(guardAction(handler, {}, optIn, everyCallerChecked)).toBe(handler);
  });

  it("rejects instead of throwing synchronously", () => {
    const guarded = guardAction(handler, {}, options, everyCallerChecked);
    const result = (guarded as (ctx: Context) => unknown)(gatewayCall({}));
    expect(result).toBeInstanceOf(Promise);
    return expect(result).rejects.toMatchObject({ code: 401 });
  });

  it("runs the handler for a call the policy does not check", () => {
    const guarded = guardAction(handler, {}, options, everyCallerChecked) as (ctx: Context) => unknown;
    expect(guarded({ caller: null, meta: {} } as unknown as Context)).toBe("ran");
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
