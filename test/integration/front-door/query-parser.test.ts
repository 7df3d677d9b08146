/**
 * The door decides on a query string with the gateway's own parser (`parseQueryString`, whatever the
 * service makes of it), and a request is parsed once: moleculer-web's rest action gets the door's
 * parse of the same URL instead of parsing it again.
 */
import type { ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway } from "../../../index";
import { OK, SECRET, startGateway, type Gateway } from "./support";

type Parse = (this: unknown, req: { url: string }) => { url: string; query: unknown };
const moleculerWebParse = (ApiGateway.methods as { parseQueryString: Parse }).parseQueryString;

const echo: ServiceSchema = {
  name: "echo",
  actions: { params: (ctx) => ({ params: ctx.params }) },
};

describe("a gateway with a query parser of its own", () => {
  let app: Gateway;
  const parsed: string[] = [];
  beforeAll(async () => {
    app = await startGateway({
      gateway: {
        name: "api",
        mixins: [SharedSecretGateway(), ApiGateway],
        settings: { routes: [{ path: "/", aliases: { "GET /echo": "echo.params" } }] },
        methods: {
          parseQueryString(this: unknown, req: { url: string }) {
            parsed.push(req.url);
            // The gateway's own rule: "secret" stands for the header's name.
            const result = moleculerWebParse.call(this, req);
            const query = result.query as Record<string, unknown>;
            if ("secret" in query) {
              query["x-shared-secret"] = query.secret;
              delete query.secret;
            }
            return result;
          },
        },
      },
      services: [echo],
    });
  });
  afterAll(() => app?.stop());
  beforeEach(() => (parsed.length = 0));

  it("parses a request's query once, and the action gets what that parse gave", async () => {
    const res = await app.call("/echo?a=1&b=two", OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ params: { a: "1", b: "two" } });
    expect(parsed).toEqual(["/echo?a=1&b=two"]);
  });

  it("takes out what its parser turns into the header's name", async () => {
    const res = await app.call(`/echo?secret=${SECRET}&a=1`, OK);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ params: { a: "1" } });
    expect(app.logger.lines.join("\n")).not.toContain(SECRET);
  });

  it("refuses without the secret before the action, whatever the query", async () => {
    expect((await app.call("/echo?a=1")).status).toBe(401);
  });
});
