import type { Context } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway } from "../../../index";
import { NO_SECRET, OK, Runs, startGateway, type Gateway } from "./support";

/*
 * moleculer-web's `authorize` hook, like `authenticate`: the door checks the request before it runs,
 * and a protected action it calls gets the secret the door checked.
 */

const runs = new Runs();
let app: Gateway;

beforeAll(async () => {
  app = await startGateway({
    services: [
      {
        name: "roles",
        actions: {
          check() {
            runs.hit("roles.check");
            return { role: "admin" };
          },
        },
      },
      { name: "vault", actions: { report: () => ({ report: "confidential" }) } },
    ],
    gateway: {
      name: "api",
      mixins: [SharedSecretGateway(), ApiGateway],
      settings: {
        routes: [
          {
            path: "/",
            authorization: true,
            mappingPolicy: "restrict",
            autoAliases: false,
            aliases: { "GET /report": "vault.report" },
          },
        ],
      },
      methods: {
        authorize(ctx: Context) {
          runs.hit("authorize");
          return ctx.call("roles.check");
        },
      },
    },
  });
});
afterAll(() => app.stop());

it("does not run authorize for a request without the secret", async () => {
  runs.reset();
  const res = await app.call("/report");
  expect(res.status).toBe(401);
  expect(res.body).toEqual(NO_SECRET);
  expect(runs.of("authorize")).toBe(0);
});

it("runs authorize with the secret, its call to a protected action carrying it", async () => {
  runs.reset();
  const res = await app.call("/report", OK);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ report: "confidential" });
  expect(runs.of("authorize")).toBe(1);
  expect(runs.of("roles.check")).toBe(1);
});
