import ApiGateway from "moleculer-web";
import { SharedSecretGateway, SharedSecretMiddleware } from "../../index";
import { startApp, type TestApp } from "../helpers/app";
import { portOf } from "../../support/loopback";
import { request } from "../helpers/http";
import { SECRET } from "./support/fuzz";

describe("a gateway that makes two protected calls for one request", () => {
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    app = await startApp({
      broker: { logLevel: "warn", middlewares: [SharedSecretMiddleware({ secret: SECRET })] },
      services: [
        { name: "users", actions: { resolve: () => ({ id: 1 }) } },
        {
          name: "gw",
          mixins: [SharedSecretGateway(), ApiGateway],
          settings: {
            port: 0,
            ip: "127.0.0.1",
            routes: [{ path: "/", authentication: true, aliases: { "GET /protected": "protected.access" } }],
          },
          methods: {
            authenticate(ctx: { call(name: string): Promise<unknown> }) {
              return ctx.call("users.resolve");
            },
          },
        },
      ],
    });
    port = portOf(app.broker.getLocalService("gw"));
  });
  afterAll(() => app.stop());

  it("serves the routed action after an authenticate hook called a protected action, with the secret", async () => {
    const res = await request(port, "/protected", { "x-shared-secret": SECRET });
    expect(res.status).toBe(200);
  });

  it("still refuses both without the secret", async () => {
    expect((await request(port, "/protected")).status).toBe(401);
  });
});
