import { ServiceBroker } from "moleculer";
import ApiService from "../../services/api.service";
import { SharedSecretMiddleware } from "../../index";
import { portOf } from "../../support/loopback";
import { request } from "../helpers/http";
import { SECRET } from "./support/fuzz";

/**
 * The same as sibling.test.ts across two brokers joined by Moleculer's in-process Fake transporter:
 * the first call's RESPONSE meta, merged into the gateway's context, must not take the header away
 * from the call that follows (nor bring the secret back: the verifying node drops it).
 */
describe("a gateway that makes two protected calls on another node for one request", () => {
  const namespace = `sibling-${process.pid}`;
  const gateway = new ServiceBroker({
    namespace,
    nodeID: "gw",
    transporter: "Fake",
    logger: false,
    middlewares: [SharedSecretMiddleware({ secret: SECRET })],
  });
  const backend = new ServiceBroker({
    namespace,
    nodeID: "backend",
    transporter: "Fake",
    logger: false,
    middlewares: [SharedSecretMiddleware({ secret: SECRET })],
  });
  let port = 0;
  const seenByBackend: unknown[] = [];

  beforeAll(async () => {
    backend.createService({
      name: "users",
      actions: {
        resolve: (ctx) => {
          seenByBackend.push(JSON.stringify(ctx.meta));
          return { id: 1 };
        },
      },
    });
    backend.createService({ name: "protected", actions: { access: () => ({ message: "Access granted" }) } });
    const api = gateway.createService({
      name: "api",
      mixins: [ApiService],
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
    });
    await Promise.all([backend.start(), gateway.start()]);
    await gateway.waitForServices(["users", "protected"], 10000);
    port = portOf(api);
  });
  afterAll(() => Promise.all([gateway.stop(), backend.stop()]));

  it("serves the routed action after authenticate called a protected action on the other node", async () => {
    const res = await request(port, "/protected", { "x-shared-secret": SECRET });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: "Access granted" });
    expect(seenByBackend.join("\n")).not.toContain(SECRET);
  });

  it("still refuses without the secret", async () => {
    expect((await request(port, "/protected")).status).toBe(401);
  });
});
