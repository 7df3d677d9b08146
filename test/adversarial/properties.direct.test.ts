import fc from "fast-check";
import { ServiceBroker, type ActionHandler, type Context } from "moleculer";
import { SharedSecretMiddleware } from "../../index";
import { createSecretMatcher } from "../../lib/check/compare";

const matchSecret = (value: string, secrets: readonly string[]) => createSecretMatcher(secrets)(value);
import { guardAction } from "../../lib/check/guard";
import { admits, refusal, verifyHeaders, type Verdict } from "../../lib/check/verdict";
import { resolveOptions } from "../../lib/options";
import type { CallerPolicy } from "../../lib/check/policy";
import type { Telemetry } from "../../lib/check/telemetry";
import { CaptureLogger } from "../helpers/capture-logger";
import { codeHeaderObjects, disguisedSecret, nearMisses, params, SECRET, SECRETS } from "./support/fuzz";

const HEADER = "x-shared-secret";
const options = resolveOptions({ secret: [...SECRETS] });
const gatewayPolicy: CallerPolicy = { mustCheck: (caller) => (caller != null ? "gateway" : "no") };
const silent: Telemetry = {
  logger: console,
  count: () => undefined,
  rejected: () => undefined,
  rejectedRequest: () => undefined,
};
const gatewayCall = (headers: unknown) => ({ caller: "api", meta: { headers } }) as unknown as Context;
/** The verdict on a call's header, as the guard reaches it; refusals only (the properties' premise). */
const verify = (ctx: Context, opts: typeof options) => {
  const verdict: Verdict = verifyHeaders((ctx.meta as { headers?: unknown }).headers, opts);
  if (admits(verdict)) throw new Error("accepted a value that is not a secret");
  return verdict;
};

describe("matchSecret, for any value that is not an accepted secret", () => {
  it("finds no match in near misses of the secrets (prefixes, edits, case, white space, repeats)", () => {
    fc.assert(
      fc.property(nearMisses(false), (value) => matchSecret(value, SECRETS) === -1),
      params(2000),
    );
  });

  it("finds no match in arbitrary strings of any code units", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        (value) => matchSecret(value, SECRETS) === -1,
      ),
      params(2000),
    );
  });

  it("finds no match in characters above U+00FF whose low bytes spell a secret", () => {
    fc.assert(
      fc.property(disguisedSecret(), (value) => {
        expect(Buffer.from(value, "latin1").toString("latin1")).toMatch(/^adv-secret-/);
        return matchSecret(value, SECRETS) === -1;
      }),
      params(1000),
    );
  });

  it("agrees with plain string equality on any secrets and any value, odd lengths and non-ASCII included", () => {
    // The reference: the index of the secret the value is equal to (=== on strings).
    const secretList = fc.uniqueArray(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 70 }), {
      minLength: 1,
      maxLength: 4,
    });
    const valueFor = (secrets: string[]) =>
      fc.oneof(
        fc.constantFrom(...secrets),
        fc.constantFrom(...secrets).map((s) => s.slice(0, -1)),
        fc.constantFrom(...secrets).map((s) => s + "\u00e9"),
        fc.string({ unit: "binary", maxLength: 80 }),
      );
    fc.assert(
      fc.property(
        secretList.chain((secrets) => fc.tuple(fc.constant(secrets), valueFor(secrets))),
        ([secrets, value]) => createSecretMatcher(secrets)(value) === secrets.indexOf(value),
      ),
      params(2000),
    );
  });

  it("finds exactly the index of an accepted secret, whatever the order of the list", () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...SECRETS, "other-secret-000000000000"], { minLength: 1 }),
        (list) => {
          for (const [i, s] of list.entries()) expect(matchSecret(s, list)).toBe(i);
        },
      ),
      params(200),
    );
  });
});

describe("verify, for headers handed in by code", () => {
  it("refuses every near miss with a 401 and leaves no trace of it in the error", () => {
    fc.assert(
      fc.property(nearMisses(false), (value) => {
        const code = verify(gatewayCall({ [HEADER]: value }), options);
        expect(["missing", "invalid"]).toContain(code);
        const error = refusal(code);
        expect(error).toMatchObject({ code: 401 });
        if (value.length > 3) expect(JSON.stringify(error) + error.message).not.toContain(value);
      }),
      params(1000),
    );
  });

  it("never accepts a value that is not one of the secrets as a string, and never throws", () => {
    fc.assert(
      fc.property(codeHeaderObjects(HEADER), (headers) => {
        const run = () => verify(gatewayCall(headers), options);
        expect(run).not.toThrow();
        const code = run();
        expect(["missing", "invalid"]).toContain(code);
        expect(refusal(code)).toMatchObject({
          code: 401,
          type: expect.stringMatching(/^ERR_(NO|INVALID)_SECRET$/),
        });
      }),
      params(1000),
    );
  });
});

describe("guardAction, for any header a gateway call carries", () => {
  it("never runs the handler and always rejects (never throws synchronously) with a 401", async () => {
    await fc.assert(
      fc.asyncProperty(codeHeaderObjects(HEADER), async (headers) => {
        let ran = 0;
        const handler: ActionHandler = () => ++ran;
        const guarded = guardAction(handler, {}, options, gatewayPolicy, silent) as (ctx: Context) => unknown;
        let result: unknown;
        expect(() => (result = guarded(gatewayCall(headers)))).not.toThrow();
        expect(result).toBeInstanceOf(Promise);
        await expect(result).rejects.toMatchObject({ code: 401 });
        expect(ran).toBe(0);
      }),
      params(500),
    );
  });
});

describe("a real broker, for values in-process code hands in as the gateway", () => {
  const logger = new CaptureLogger({ level: "trace" });
  const broker = new ServiceBroker({
    nodeID: `adv-direct-${process.pid}`,
    transporter: null,
    logger,
    logLevel: "trace",
    cacher: "Memory",
    middlewares: [SharedSecretMiddleware({ secret: [...SECRETS], allowGatewayWithoutDoor: true })],
  });
  let runs = 0;
  beforeAll(async () => {
    // A gateway as moleculer-web marks itself (metadata.$category), not by a settings.routes shape.
    broker.createService({ name: "api", metadata: { $category: "gateway" }, actions: {} });
    broker.createService({
      name: "vault",
      actions: {
        open: {
          cache: true,
          params: { id: { type: "number", optional: true } },
          handler: () => ++runs,
        },
      },
    });
    await broker.start();
  });
  afterAll(() => broker.stop());

  it("answers 401 (never a pass, never a 500) whatever ctx.meta.headers holds", async () => {
    await fc.assert(
      fc.asyncProperty(codeHeaderObjects(HEADER), fc.boolean(), async (headers, badParams) => {
        const before = runs;
        const call = broker.call("vault.open", badParams ? { id: "not-a-number" } : {}, {
          caller: "api",
          meta: { headers },
        } as never);
        const error = await call.then(
          () => null,
          (err: { code?: unknown }) => err,
        );
        expect(error).toMatchObject({ code: 401 });
        expect(runs).toBe(before);
      }),
      params(300),
    );
  });

  it("still serves the same call with the secret (the property above is not vacuous)", async () => {
    const res = await broker.call(
      "vault.open",
      {},
      { caller: "api", meta: { headers: { [HEADER]: SECRET } } },
    );
    expect(res).toBe(runs);
    expect(runs).toBeGreaterThan(0);
  });
});
