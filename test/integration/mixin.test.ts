import { SharedSecretMiddleware, SharedSecretMixin } from "../../index";
import { SECRET, startApp, type TestApp } from "../helpers/app";

const OK = { "x-shared-secret": SECRET };
let billingRuns = 0;

describe("the service mixin, without the broker-wide middleware", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      broker: { cacher: "Memory" },
      // No broker middleware: the gateway's door gets the secret of its own.
      gateway: { secret: SECRET },
      services: [
        {
          name: "billing",
          mixins: [SharedSecretMixin({ secret: SECRET })],
          actions: {
            invoice: {
              cache: true,
              params: { id: { type: "number", convert: true } },
              handler() {
                billingRuns++;
                return { invoice: "ok" };
              },
            },
            ping: { sharedSecret: false, handler: () => "pong" },
          },
        },
      ],
      apiSettings: {
        routes: [
          {
            path: "/",
            aliases: {
              "GET /protected": "protected.access",
              "GET /unguarded": { action: "protected.access", sharedSecret: false },
              "GET /invoice/:id": "billing.invoice",
              "GET /ping": { action: "billing.ping", sharedSecret: false },
            },
          },
        ],
      },
    });
  });
  afterAll(() => app.stop());

  it("answers the right secret with 200", async () => {
    expect((await app.get("/invoice/1", OK)).status).toBe(200);
  });

  it.each([
    ["no header", {}, "No secret provided", "ERR_NO_SECRET"],
    ["a wrong secret", { "x-shared-secret": "nope" }, "Invalid secret", "ERR_INVALID_SECRET"],
  ])("refuses %s with the middleware's answer", async (_name, headers, message, type) => {
    const res = await app.get("/invoice/1", headers);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ name: "SharedSecretError", message, code: 401, type });
  });

  it("still runs before the service's cacher and validator", async () => {
    billingRuns = 0;
    expect((await app.get("/invoice/2", OK)).status).toBe(200);
    expect((await app.get("/invoice/2")).status).toBe(401);
    expect((await app.get("/invoice/not-a-number")).status).toBe(401);
    expect(billingRuns).toBe(1);
  });

  it("honours sharedSecret: false on an action", async () => {
    expect((await app.get("/ping")).status).toBe(200);
  });

  it("protects only the services that use it", async () => {
    // No broker middleware here: behind an open alias, the reference protected service is open.
    expect((await app.get("/unguarded")).status).toBe(200);
    expect((await app.get("/protected")).status).toBe(401); // the door still locks the other alias
  });

  it("does not ask in-process code for the secret", async () => {
    await expect(app.broker.call("billing.invoice", { id: 3 })).resolves.toEqual({ invoice: "ok" });
  });

  it("rejects bad options at creation, naming the option", () => {
    expect(() => SharedSecretMixin({ secret: "" })).toThrow(/"secret" option/);
  });

  it("does not warn about the broker-wide middleware when there is none", () => {
    expect(app.logger.lines.filter((line) => line.includes("mixes in SharedSecretMixin()"))).toEqual([]);
  });
});

const BOTH_WARNING =
  "Shared secret: service 'billing' mixes in SharedSecretMixin() on a broker that also has " +
  "SharedSecretMiddleware(): the mixin's options replace the middleware's for this service (its calls " +
  "are checked once, by the mixin). Remove one of the two if that is not what you want.";

// The rule: with both, the mixin wins for its service; said once at start-up, naming the service.
describe("the mixin and the middleware on the same broker", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET })] },
      services: [
        { name: "billing", mixins: [SharedSecretMixin({ secret: SECRET })], actions: { get: () => "ok" } },
      ],
      apiSettings: { routes: [{ path: "/", aliases: { "GET /billing": "billing.get" } }] },
    });
  });
  afterAll(() => app.stop());

  it("checks a mixin service once: the right secret passes, a missing one is refused", async () => {
    expect((await app.get("/billing", OK)).status).toBe(200);
    expect((await app.get("/billing")).status).toBe(401);
  });

  it("warns once at start-up, naming the service and the rule", () => {
    const warnings = app.logger.lines.filter((line) => line.includes("mixes in SharedSecretMixin()"));
    expect(warnings).toEqual([`warn shared-secret ${BOTH_WARNING}`]);
  });
});

describe("the mixin's options win over the middleware's for its service", () => {
  const MIXIN_SECRET = "mixin-secret-6a1f0c9e3b7d2a5c8e4f1b0d9c3a7e2f";
  const asUnknownCaller = (secret: string) => ({
    caller: "ghost",
    meta: { headers: { "x-shared-secret": secret } },
  });
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp({
      broker: { middlewares: [SharedSecretMiddleware({ secret: SECRET })] },
      services: [
        {
          name: "billing",
          mixins: [SharedSecretMixin({ secret: MIXIN_SECRET })],
          actions: { get: () => "ok" },
        },
      ],
    });
  });
  afterAll(() => app.stop());

  it("accepts the mixin's secret for the mixin's service, and refuses the middleware's", async () => {
    await expect(app.broker.call("billing.get", {}, asUnknownCaller(MIXIN_SECRET))).resolves.toBe("ok");
    await expect(app.broker.call("billing.get", {}, asUnknownCaller(SECRET))).rejects.toMatchObject({
      code: 401,
      type: "ERR_INVALID_SECRET",
    });
  });

  it("keeps the middleware's secret for the other services", async () => {
    await expect(app.broker.call("protected.access", {}, asUnknownCaller(SECRET))).resolves.toEqual({
      message: "Access granted",
    });
    await expect(
      app.broker.call("protected.access", {}, asUnknownCaller(MIXIN_SECRET)),
    ).rejects.toMatchObject({
      type: "ERR_INVALID_SECRET",
    });
  });
});
