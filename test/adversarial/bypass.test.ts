import http from "node:http";
import net from "node:net";
import type { TestApp } from "../helpers/app";
import { rawHead, rawRequest, rawStatuses, request } from "../helpers/http";
import { SECRET, SECRETS } from "./support/fuzz";
import { handlerSpy, startSpiedApp } from "./support/spy";

const OK = { "x-shared-secret": SECRET };
const REFUSED = [400, 401, 404, 405];

/** How many complete responses (head and Content-Length body) a raw answer holds. */
function completeResponses(answer: string): number {
  let count = 0;
  let rest = answer;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) return count;
    const length = Number(/content-length: *(\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
    if (rest.length < end + 4 + length) return count;
    rest = rest.slice(end + 4 + length);
    count++;
  }
}

/** One raw request, written verbatim (method, target and version as given), connection closed after it. */
const raw = (port: number, requestLine: string, headers: string[] = []): Promise<string> =>
  rawRequest(port, rawHead(requestLine, headers));

describe("bypass attempts against the real gateway over HTTP", () => {
  let app: TestApp;
  const spy = handlerSpy();
  let expectedRuns = 0;
  beforeAll(async () => {
    app = await startSpiedApp(spy);
  });
  afterAll(() => app.stop());
  beforeEach(() => spy.runs.clear());
  afterEach(() => {
    // Whatever the attempt, the protected handler ran only for requests that carried the secret.
    expect(spy.runs.get("protected.access") ?? 0).toBe(expectedRuns);
    expectedRuns = 0;
  });

  describe("method override headers", () => {
    it.each([
      ["POST", "X-HTTP-Method-Override: GET"],
      ["POST", "X-HTTP-Method: GET"],
      ["POST", "X-Method-Override: GET"],
      ["PUT", "X-HTTP-Method-Override: GET"],
      ["DELETE", "X-HTTP-Method-Override: GET"],
      ["HEAD", "X-HTTP-Method-Override: GET"],
      ["OPTIONS", "X-HTTP-Method-Override: GET"],
      ["GET", "X-HTTP-Method-Override: OPTIONS"],
    ])("refuses %s /protected with %s and no secret", async (method, header) => {
      const answer = await raw(app.port, `${method} /protected HTTP/1.1`, [header, "Content-Length: 0"]);
      expect(REFUSED).toContain(rawStatuses(answer)[0]);
    });

    it("refuses a _method query parameter as an override", async () => {
      const res = await request(app.port, "/protected?_method=GET", {}, "POST");
      expect(REFUSED).toContain(res.status);
    });
  });

  describe("path tricks", () => {
    it.each([
      "/protected/",
      "//protected",
      "/PROTECTED",
      "/Protected",
      "/%2Fprotected",
      "/%2fprotected",
      "/%70rotected",
      "/protected%2F",
      "/api/../protected",
      "/./protected",
      "/protected/.",
      "/protected/..;/",
      "/protected%00",
      "/protected%20",
      "/protected;x",
      "/protected?",
      "/protected#frag",
      "/health/../protected",
      "/health%2F..%2Fprotected",
      "http://127.0.0.1/protected",
      "*",
    ])("refuses %s without the secret (401 or 404, never the handler)", async (path) => {
      const answer = await raw(app.port, `GET ${path} HTTP/1.1`);
      expect([path, REFUSED.includes(rawStatuses(answer)[0])]).toEqual([path, true]);
    });

    it.each(["/protected/", "/protected?", "/protected?x=1", "/PROTECTED", "/Protected"])(
      "serves %s, which moleculer-web maps to the protected action, only with the secret",
      async (path) => {
        expect((await raw(app.port, `GET ${path} HTTP/1.1`)).startsWith("HTTP/1.1 401")).toBe(true);
        expect(
          (await raw(app.port, `GET ${path} HTTP/1.1`, [`x-shared-secret: ${SECRET}`])).startsWith(
            "HTTP/1.1 200",
          ),
        ).toBe(true);
        expectedRuns = 1;
      },
    );
  });

  describe("moleculer-web's own actions and action names", () => {
    it.each([
      "/api.rest",
      "/api/rest",
      "/rest",
      "/api/list-aliases",
      "/list-aliases",
      "/api.listAliases",
      "/protected.access",
      "/protected/access",
      "/health.check",
      "/~node/actions",
      "/$node/actions",
      "/%24node/services",
    ])("answers %s with 404 with the secret (nothing is auto-exposed), 401 without", async (path) => {
      expect((await request(app.port, path, OK)).status).toBe(404);
      // The door refuses before routing: a client without the secret cannot even map what exists.
      expect((await request(app.port, path)).status).toBe(401);
    });

    it("does not let in-process code reach the private api.rest action through the registry", async () => {
      await expect(app.broker.call("api.rest", {}, { caller: "api" })).rejects.toMatchObject({
        name: "ServiceNotFoundError",
      });
    });
  });

  describe("proxy and rewrite headers", () => {
    it.each([
      "X-Forwarded-For: 127.0.0.1",
      "X-Forwarded-Host: 127.0.0.1",
      "X-Forwarded-Proto: https",
      "X-Forwarded-Port: 443",
      "X-Forwarded-Prefix: /health",
      "X-Real-IP: 127.0.0.1",
      "Forwarded: for=127.0.0.1;proto=https",
      "X-Original-URL: /health",
      "X-Rewrite-URL: /health",
      "X-Forwarded-Shared-Secret: " + SECRET,
      "X-Original-Shared-Secret: " + SECRET,
    ])("refuses /protected with %s and no secret header: 401", async (header) => {
      expect(rawStatuses(await raw(app.port, "GET /protected HTTP/1.1", [header]))).toEqual([401]);
    });

    it("answers /health with a rewrite header naming /protected as /health (the header is ignored)", async () => {
      const answer = await raw(app.port, "GET /health HTTP/1.1", ["X-Original-URL: /protected"]);
      expect(answer).toContain('{"status":"ok"}');
    });
  });

  describe("framing and protocol tricks", () => {
    it("refuses an HTTP/1.0 request without the secret and serves one with it", async () => {
      expect(rawStatuses(await rawRequest(app.port, "GET /protected HTTP/1.0\r\n\r\n"))).toEqual([401]);
      const served = await rawRequest(
        app.port,
        `GET /protected HTTP/1.0\r\nx-shared-secret: ${SECRET}\r\n\r\n`,
      );
      expect(rawStatuses(served)).toEqual([200]);
      expectedRuns = 1;
    });

    it("refuses an HTTP/0.9-style request line", async () => {
      expect(REFUSED).toContain(rawStatuses(await rawRequest(app.port, "GET /protected\r\n\r\n"))[0] ?? 400);
    });

    it("answers pipelined requests each on its own: secret then none gives 200 then 401", async () => {
      const answer = await rawRequest(
        app.port,
        `GET /protected HTTP/1.1\r\nHost: x\r\nx-shared-secret: ${SECRET}\r\n\r\n` +
          `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(rawStatuses(answer)).toEqual([200, 401]);
      expectedRuns = 1;
    });

    it("answers pipelined requests each on its own: none, secret, wrong, none gives 401, 200, 401, 401", async () => {
      const answer = await rawRequest(
        app.port,
        `GET /protected HTTP/1.1\r\nHost: x\r\n\r\n` +
          `GET /protected HTTP/1.1\r\nHost: x\r\nx-shared-secret: ${SECRET}\r\n\r\n` +
          `GET /protected HTTP/1.1\r\nHost: x\r\nx-shared-secret: ${SECRET}x\r\n\r\n` +
          `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(rawStatuses(answer)).toEqual([401, 200, 401, 401]);
      expectedRuns = 1;
    });

    it("asks again on a keep-alive connection: the secret on the first request does not carry over", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const get = (headers: http.OutgoingHttpHeaders) =>
        new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
          const req = http.get(
            { host: "127.0.0.1", port: app.port, path: "/protected", headers, agent },
            (res) => {
              res.resume();
              res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
            },
          );
          req.on("error", reject);
        });
      try {
        expect(await get(OK)).toEqual({ status: 200, reused: false });
        expect(await get({})).toEqual({ status: 401, reused: true });
        expect(await get({ "x-shared-secret": "wrong" })).toEqual({ status: 401, reused: true });
        expect(await get(OK)).toEqual({ status: 200, reused: true });
      } finally {
        agent.destroy();
      }
      expectedRuns = 2;
    });

    it("asks again on a raw keep-alive socket where the second request is sent after the first answer", async () => {
      const socket = net.connect({ host: "127.0.0.1", port: app.port });
      let text = "";
      let waiting: { count: number; resolve: () => void } | undefined;
      const check = () => {
        if (waiting && completeResponses(text) >= waiting.count) waiting.resolve();
      };
      socket.on("data", (c: Buffer) => {
        text += c.toString("latin1");
        check();
      });
      const received = (count: number) =>
        new Promise<void>((resolve) => {
          waiting = { count, resolve };
          check();
        });
      try {
        socket.write(`GET /protected HTTP/1.1\r\nHost: x\r\nx-shared-secret: ${SECRET}\r\n\r\n`);
        await received(1);
        socket.write(`GET /protected HTTP/1.1\r\nHost: x\r\n\r\n`);
        await received(2);
      } finally {
        socket.destroy();
      }
      expect(rawStatuses(text)).toEqual([200, 401]);
      expectedRuns = 1;
    });

    it("ignores the secret sent as a chunked trailer", async () => {
      const answer = await rawRequest(
        app.port,
        `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nTrailer: x-shared-secret\r\n\r\n` +
          `0\r\nx-shared-secret: ${SECRET}\r\n\r\n`,
      );
      expect(rawStatuses(answer)).toEqual([401]);
    });

    it.each([
      ["a space before the colon", `x-shared-secret : ${SECRET}`],
      ["a tab before the colon", `x-shared-secret\t: ${SECRET}`],
      ["a folded (obs-fold) value", `x-shared-secret:\r\n ${SECRET}`],
      ["a value split by a bare CR", `x-shared-secret: x\r${SECRET}`],
    ])("lets Node's parser refuse a header with %s (400)", async (_name, line) => {
      expect(rawStatuses(await raw(app.port, "GET /protected HTTP/1.1", [line]))).toEqual([400]);
    });

    it.each([
      ["the wrong value first", [`x-shared-secret: wrong`, `x-shared-secret: ${SECRET}`]],
      ["the wrong value second", [`x-shared-secret: ${SECRET}`, `x-shared-secret: wrong`]],
      ["both accepted secrets", SECRETS.map((s) => `x-shared-secret: ${s}`)],
      ["an empty one first", [`x-shared-secret:`, `x-shared-secret: ${SECRET}`]],
    ])("refuses the header repeated with %s: 401", async (_name, lines) => {
      expect(rawStatuses(await raw(app.port, "GET /protected HTTP/1.1", lines))).toEqual([401]);
    });

    it("refuses conflicting Content-Length and Transfer-Encoding (request smuggling) with 400", async () => {
      const answer = await rawRequest(
        app.port,
        `GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` +
          `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(rawStatuses(answer)[0]).toBe(400);
      expect(rawStatuses(answer)).not.toContain(200);
    });
  });
});
