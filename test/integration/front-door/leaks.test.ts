import type { IncomingMessage } from "node:http";
import { inspect } from "node:util";
import type { Context, TracerOptions } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway } from "../../../index";
import { rawRequest, rawStatus, type HttpResult } from "../../helpers/http";
import { sleep } from "../../helpers/wait";
import { OK, SECRET, reachableText, startGateway, type Gateway, type Schema } from "./support";

/*
 * Once the door let a request in, the secret exists only inside the calls the gateway makes for it:
 * never in moleculer-web's request log, the action's params, spans, events, the request's context
 * (now or later), the request object, the response, or the meta merged back into the root.
 */

/** Everything a test recorded from inside the app. */
const seen: string[] = [];
/** Spans the Event exporter emitted, as JSON. */
const spans: string[] = [];
/** `ctx.meta` of the events emitted from the request's context. */
const events: string[] = [];
/** Deferred work's views of the context, recorded after the request was answered. */
const deferred: string[] = [];

const record = (into: string[], value: unknown) =>
  into.push(typeof value === "string" ? value : inspect(value, { depth: 10, breakLength: Infinity }));

const services: Schema[] = [
  {
    name: "probe",
    actions: {
      params(ctx: Context) {
        record(seen, JSON.stringify(ctx.params));
        record(seen, ctx.params);
        return { ok: true };
      },
      deferred(ctx: Context) {
        setTimeout(() => record(deferred, reachableText(ctx)), 50);
        void sleep(30).then(() => record(deferred, reachableText(ctx)));
        return { ok: true };
      },
      req(ctx: Context<{ $req: IncomingMessage }>) {
        const req = ctx.params.$req;
        record(seen, JSON.stringify(req.headers));
        record(seen, req.rawHeaders.join("\n"));
        record(seen, JSON.stringify(req.headersDistinct));
        record(seen, `${req.url} ${(req as { originalUrl?: string }).originalUrl}`);
        return { ok: true };
      },
      meta(ctx: Context) {
        (ctx.meta as Record<string, unknown>).x = 1;
        record(seen, ctx.meta);
        return { ok: true };
      },
    },
  },
  {
    name: "audit",
    events: {
      "audit.seen"(ctx: Context) {
        record(events, JSON.stringify(ctx.meta));
        record(events, ctx.meta);
        record(events, reachableText(ctx));
      },
    },
  },
  {
    name: "span-sink",
    events: {
      "$tracing.spans"(ctx: Context) {
        record(spans, reachableText(ctx.params, 12));
      },
    },
  },
];

const gateway: Schema = {
  name: "api",
  mixins: [SharedSecretGateway(), ApiGateway],
  settings: {
    logRequest: "info",
    logRequestParams: "trace",
    logResponseData: "trace",
    routes: [
      {
        path: "/",
        mappingPolicy: "restrict",
        autoAliases: false,
        onBeforeCall(ctx: Context) {
          ctx.emit("audit.seen", { from: "onBeforeCall" });
        },
        onAfterCall(
          ctx: Context,
          _route: unknown,
          req: IncomingMessage & { $ctx: Context },
          _res: unknown,
          data: unknown,
        ) {
          record(seen, JSON.stringify(req.$ctx.meta));
          record(seen, req.$ctx.meta);
          record(seen, ctx.meta);
          return data;
        },
        aliases: {
          "GET /params": "probe.params",
          "GET /deferred": "probe.deferred",
          "GET /req": { action: "probe.req", passReqResToParams: true },
          "GET /meta": "probe.meta",
        },
      },
    ],
  },
};

const tracing: TracerOptions = {
  enabled: true,
  exporter: [
    { type: "Event" as const, options: { eventName: "$tracing.spans", interval: 0, sendStartSpan: true } },
  ],
};

let app: Gateway;
let untraced: Gateway;
beforeAll(async () => {
  // passReqResToParams puts the IncomingMessage in the action's params, hence in its span's tags:
  // the $req tests run on a broker without tracing, so the captured log stays small.
  untraced = await startGateway({ gateway, services });
  app = await startGateway({
    broker: {
      tracing,
    },
    gateway,
    services,
  });
});
afterAll(() => Promise.all([app?.stop(), untraced?.stop()]));
beforeEach(() => {
  for (const list of [seen, spans, events, deferred]) list.length = 0;
});

/** Where the secret must never be, with what the client got back. */
function everywhere(res: HttpResult, on: Gateway = app): Record<string, string> {
  return {
    logs: on.logger.lines.join("\n"),
    seen: seen.join("\n"),
    spans: spans.join("\n"),
    events: events.join("\n"),
    deferred: deferred.join("\n"),
    responseHeaders: JSON.stringify(res.headers),
    responseBody: res.text,
  };
}

function expectNoSecretIn(places: Record<string, string>): void {
  for (const [where, text] of Object.entries(places)) {
    expect([where, text.includes(SECRET)]).toEqual([where, false]);
  }
}

/** Waits until the exporter and the event handlers had their turn. */
async function settle(): Promise<void> {
  await sleep(120);
}

const presentations: [string, string, Record<string, string> | string[]][] = [
  ["in the header", "", OK],
  ["in the header and in the query string", `?x-shared-secret=${SECRET}&a=1`, OK],
  ["in the header and in the query string under another letter case", `?X-Shared-Secret=${SECRET}&a=1`, OK],
  ["in the header under another letter case", "", { "X-Shared-Secret": SECRET }],
  ["in the header and in a cookie", "", { ...OK, cookie: `x-shared-secret=${SECRET}` }],
];

describe("where the secret never goes", () => {
  it.each(presentations)(
    "keeps a secret %s out of the request log, the action's params and every span",
    async (_name, query, headers) => {
      const before = app.logger.lines.length;
      const res = await app.call(`/params${query}`, headers);
      await settle();
      expect(res.status).toBe(200);
      expect(app.logger.lines.slice(before).some((l) => l.includes("=> GET /params"))).toBe(true);
      expect(app.logger.lines.slice(before).some((l) => l.includes("Params:"))).toBe(true);
      expect(spans.length).toBeGreaterThan(0);
      expect(seen.length).toBeGreaterThan(0);
      const { logs, seen: params, spans: exported, responseHeaders, responseBody } = everywhere(res);
      expectNoSecretIn({ logs, params, spans: exported, responseHeaders, responseBody });
    },
  );

  it("refuses a secret sent twice in the header (401 Invalid secret) and keeps it out of the log and every span", async () => {
    const before = app.logger.lines.length;
    const answer = await rawRequest(
      app.port,
      `GET /params?a=1&x-shared-secret=${SECRET} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
        `x-shared-secret: ${SECRET}\r\nX-Shared-Secret: ${SECRET}\r\n\r\n`,
    );
    await settle();
    expect(rawStatus(answer)).toBe(401);
    expect(answer).toContain('"type":"ERR_INVALID_SECRET"');
    expect(seen).toEqual([]);
    expect(app.logger.lines.length).toBeGreaterThan(before); // the refusal was logged
    expectNoSecretIn({ ...everywhere({ status: 401, headers: {}, text: "", body: undefined }), answer });
  });

  it.each(presentations.slice(0, 4))(
    "never hands a secret %s to the handler of an event emitted from the request's context",
    async (_name, query, headers) => {
      const res = await app.call(`/params${query}`, headers);
      await settle();
      expect(res.status).toBe(200);
      expect(events.length).toBe(3);
      expectNoSecretIn(everywhere(res));
    },
  );

  it.each(presentations.slice(0, 4))(
    "leaves no secret %s for deferred work (a timer, an unawaited promise) that inspects the context",
    async (_name, query, headers) => {
      const res = await app.call(`/deferred${query}`, headers);
      expect(res.status).toBe(200);
      await sleep(150);
      expect(deferred).toHaveLength(2);
      // the walk went up to the request's context, its meta and its IncomingMessage
      expect(deferred[0]).toContain("parentCtx");
      expect(deferred[0]).toContain("rawHeaders");
      expectNoSecretIn(everywhere(res));
    },
  );

  it.each([
    ["x-shared-secret", ""],
    ["X-Shared-Secret", ""],
    ["X-SHARED-SECRET", `?x-shared-secret=${SECRET}`],
  ])(
    "takes a header named %s out of req.headers, req.rawHeaders and req.headersDistinct (passReqResToParams)",
    async (name, query) => {
      const res = await untraced.call(`/req${query}`, { [name]: SECRET, "x-other": "kept" });
      await settle();
      expect(res.status).toBe(200);
      expect(seen.length).toBeGreaterThanOrEqual(4);
      expect(seen[0]).toContain("kept"); // the other headers are all there
      expect(seen[1]).toContain("kept");
      expect(seen[2]).toContain("kept");
      expectNoSecretIn(everywhere(res, untraced));
    },
  );

  it("leaves a cookie named like the header in req.headers.cookie: the door takes out only the header and the query parameter", async () => {
    const res = await untraced.call("/req", { ...OK, cookie: `x-shared-secret=${SECRET}` });
    expect(res.status).toBe(200);
    // documented here, not endorsed: a client that also sends the secret as a cookie hands it to
    // whatever reads req.headers.cookie (the request's context holds the IncomingMessage)
    expect(seen[0]).toContain(`"cookie":"x-shared-secret=${SECRET}"`);
    expect(seen[1]).not.toMatch(/x-shared-secret\n/i);
  });

  it("keeps the secret out of the response headers, the meta merged back and the root context's meta", async () => {
    const res = await app.call(`/meta?x-shared-secret=${SECRET}`, OK);
    await settle();
    expect(res.status).toBe(200);
    // the action's meta was merged back into the root: what onAfterCall saw proves it looked there
    expect(seen.some((s) => s.includes('"x":1'))).toBe(true);
    expectNoSecretIn(everywhere(res));
  });
});
