/**
 * The verified identity: the token's verified claims reach the action at ctx.meta.gatewayClaims, and
 * nothing unverified does; the token itself goes no further than the check (no nested call, no event
 * sees it).
 */
import type { IncomingMessage } from "node:http";
import type { Context, ServiceSchema } from "moleculer";
import { SECRET } from "../../helpers/app";
import { bearer, expectNoTrace, startTokenApp, type TokenApp } from "../../helpers/token-app";
import { until } from "../../helpers/wait";

const FORGED = JSON.stringify({ sub: "admin", iss: "https://evil.example.test", role: "root" });

/** A route hook as apps write them: request headers into meta, and here a client's "claims" too. */
const route = {
  onBeforeCall(ctx: Context, _route: unknown, req: IncomingMessage) {
    const meta = ctx.meta as Record<string, unknown>;
    meta.headers = { ...req.headers };
    const forged = req.headers["x-forged-claims"];
    if (typeof forged === "string") meta.gatewayClaims = JSON.parse(forged);
  },
};

/** Every meta and params the relay's nested call and event saw. */
const seen: { where: string; meta: Record<string, unknown>; params: unknown }[] = [];

const relay: ServiceSchema = {
  name: "relay",
  actions: {
    chain: {
      async handler(ctx) {
        seen.push({ where: "relay.chain", meta: { ...(ctx.meta as object) }, params: ctx.params });
        const nested = await ctx.call("whoami.get", { from: "relay" });
        await ctx.emit("relay.done", { from: "relay" });
        return { nested };
      },
    },
  },
};

const listener: ServiceSchema = {
  name: "listener",
  events: {
    "relay.done"(ctx: Context) {
      seen.push({ where: "event", meta: { ...(ctx.meta as object) }, params: ctx.params });
    },
  },
};

describe("the verified claims in ctx.meta, with accept token", () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({
      services: [relay, listener],
      route,
      aliases: { "GET /relay": "relay.chain" },
    });
  });
  afterAll(() => app.close());

  it("hands the action the claims the token verified", async () => {
    const answer = await app.get("/whoami", bearer(await app.sign({ claims: { plan: "gold" } })));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "consumer-7", iss: app.keys.issuer, plan: "gold" } });
  });

  it("overwrites claims a route hook copied from the request with the verified ones", async () => {
    const answer = await app.get("/whoami", bearer(await app.sign(), { "x-forged-claims": FORGED }));
    expect(answer.status).toBe(200);
    const { claims } = answer.body as { claims: Record<string, unknown> };
    expect(claims).toMatchObject({ sub: "consumer-7", iss: app.keys.issuer });
    expect(claims.role).toBeUndefined();
  });

  it("refuses forged claims that come without a token", async () => {
    const answer = await app.get("/whoami", { "x-forged-claims": FORGED });
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain("admin");
  });

  it("passes the verified claims, never the token, to a nested call and an event", async () => {
    seen.length = 0;
    const token = await app.sign({ subject: "consumer-9" });
    const answer = await app.get("/relay", bearer(token, { "x-forged-claims": FORGED }));
    expect(answer.status).toBe(200);
    await until(() => seen.some((s) => s.where === "event"));
    const { nested } = answer.body as { nested: { claims: unknown; headers: Record<string, unknown> } };
    expect(nested.claims).toMatchObject({ sub: "consumer-9" });
    expect(nested.headers).not.toHaveProperty("authorization");
    for (const { meta } of seen) {
      expect(meta.gatewayClaims).toMatchObject({ sub: "consumer-9" });
      expect(meta.headers).not.toHaveProperty("authorization");
    }
    expect(seen.map((s) => s.where).sort()).toEqual(["event", "relay.chain"]);
    expectNoTrace([answer.text, JSON.stringify(seen), ...app.logger.lines], token);
  });
});

describe("the claims key, with accept either and a call admitted by the secret", () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({ middleware: { accept: "either", secret: SECRET }, route });
  });
  afterAll(() => app.close());

  it("leaves ctx.meta.gatewayClaims absent, whatever the route hook put there", async () => {
    const answer = await app.get("/whoami", { "x-shared-secret": SECRET, "x-forged-claims": FORGED });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: null });
    expect((answer.body as { headers: object }).headers).not.toHaveProperty("x-shared-secret");
  });

  it("still hands over the verified claims when the token admitted the call", async () => {
    const answer = await app.get("/whoami", bearer(await app.sign(), { "x-forged-claims": FORGED }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ claims: { sub: "consumer-7" } });
  });
});
