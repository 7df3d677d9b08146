/**
 * SharedSecretMixin with the token option, without the broker-wide middleware: the gateway's door
 * and the mixed-in service each verify the gateway's token against the key server on 127.0.0.1.
 */
import { SharedSecretMixin } from "../../../index";
import { startApp, type TestApp } from "../../helpers/app";
import {
  bearer,
  expectNoTrace,
  expectRefusal,
  startKeyServer,
  type KeyServer,
} from "../../helpers/token-app";

describe("the service mixin verifying gateway tokens", () => {
  let gateway: KeyServer;
  let app: TestApp;
  let runs = 0;

  beforeAll(async () => {
    gateway = await startKeyServer();
    const { token } = gateway;
    app = await startApp({
      gateway: { token },
      services: [
        {
          name: "billing",
          mixins: [SharedSecretMixin({ token, rejectionLogLimit: 1000 })],
          actions: {
            invoice(ctx) {
              runs++;
              const meta = ctx.meta as { gatewayClaims?: unknown; headers?: unknown };
              return { claims: meta.gatewayClaims ?? null, headers: meta.headers ?? null };
            },
          },
        },
      ],
      apiSettings: {
        routes: [
          {
            path: "/",
            aliases: {
              "GET /invoice": "billing.invoice",
              // Open at the door: only the mixin checks these calls.
              "GET /open-invoice": { action: "billing.invoice", sharedSecret: false },
            },
            onBeforeCall(ctx: { meta: Record<string, unknown> }, _route: unknown, req: { headers: object }) {
              ctx.meta.headers = { ...req.headers };
            },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await app.stop();
    await gateway.keys.close();
  });

  it("admits a valid token and hands the service its verified claims, not the token", async () => {
    const token = await gateway.sign();
    const answer = await app.get("/invoice", bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "consumer-7", iss: gateway.keys.issuer } });
    expect((answer.body as { headers: object }).headers).not.toHaveProperty("authorization");
    expectNoTrace([answer.text, ...app.logger.lines], token);
  });

  it.each([
    ["no token", undefined, "ERR_NO_TOKEN"],
    ["an expired token", { expiresIn: -60 }, "ERR_INVALID_TOKEN"],
    ["a token of another issuer", { issuer: "https://evil.example.test" }, "ERR_INVALID_TOKEN"],
  ])("refuses %s with 401 and never runs the action", async (_name, spec, type) => {
    runs = 0;
    const token = spec === undefined ? undefined : await gateway.sign(spec);
    const answer = await app.get("/invoice", token === undefined ? {} : bearer(token));
    expectRefusal(answer, 401, type);
    expect(runs).toBe(0);
    if (token !== undefined) expectNoTrace(app.logger.lines, token);
  });

  it("checks the token itself behind an alias the door leaves open", async () => {
    runs = 0;
    expectRefusal(await app.get("/open-invoice"), 401, "ERR_NO_TOKEN");
    expectRefusal(
      await app.get("/open-invoice", bearer(await gateway.sign({ expiresIn: -60 }))),
      401,
      "ERR_INVALID_TOKEN",
    );
    expect(runs).toBe(0);
    const answer = await app.get("/open-invoice", bearer(await gateway.sign({ subject: "open-1" })));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "open-1" } });
    expect(app.logger.lines.join("\n")).toContain("call to 'billing.invoice' (invalid token: token expired)");
  });

  it("does not ask in-process code for a token", async () => {
    await expect(app.broker.call("billing.invoice")).resolves.toMatchObject({ claims: null });
  });
});
