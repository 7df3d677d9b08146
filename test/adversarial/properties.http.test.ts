import fc from "fast-check";
import type { TestApp } from "../helpers/app";
import { rawRequest, rawStatus } from "../helpers/http";
import { nearMisses, params, SECRET, SECRETS } from "./support/fuzz";
import { handlerSpy, startSpiedApp } from "./support/spy";

/** One GET /protected over a fresh connection, the header value written as raw latin1 bytes. */
async function presented(app: TestApp, value: string): Promise<{ status: number; answer: string }> {
  const head = Buffer.concat([
    Buffer.from("GET /protected HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-shared-secret: "),
    Buffer.from(value, "latin1"),
    Buffer.from("\r\n\r\n"),
  ]);
  const answer = await rawRequest(app.port, head);
  return { status: rawStatus(answer), answer };
}

/** `value` as one header line can carry it: no CR or LF, characters above U+00FF as "?". */
const latin1Line = (value: string) =>
  [...value]
    .filter((c) => c !== "\r" && c !== "\n")
    .map((c) => (c.charCodeAt(0) > 0xff ? "?" : c))
    .join("");
/** What HTTP makes of a field value: optional white space (SP, HTAB) at either end is not part of it. */
const fieldValue = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");
/** Bytes Node's parser refuses in a field value (CTLs other than HTAB, and DEL): it answers 400. */
const parserRefuses = (value: string) => [...value].some((c) => (c < " " && c !== "\t") || c === "\x7f");

describe("the real gateway over HTTP, for any x-shared-secret value that is not an accepted secret", () => {
  let app: TestApp;
  const spy = handlerSpy();
  beforeAll(async () => {
    app = await startSpiedApp(spy);
  });
  afterAll(() => app.stop());

  it("answers 401 to every printable near miss of a secret, and the handler never runs", async () => {
    await fc.assert(
      fc.asyncProperty(nearMisses(true), async (value) => {
        const { status, answer } = await presented(app, value);
        expect(status).toBe(401);
        expect(answer).toMatch(/"type":"ERR_(NO|INVALID)_SECRET"/);
      }),
      params(150),
    );
    expect(spy.runs.get("protected.access")).toBeUndefined();
  });

  it("answers 401, or Node's 400 for control characters, to any bytes (never 200, never 500)", async () => {
    const bytes = fc
      .array(
        fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0a && b !== 0x0d),
        { maxLength: 120 },
      )
      .map((codes) => String.fromCharCode(...codes));
    const anyValue = fc.oneof(
      bytes,
      nearMisses(false).map((v) => latin1Line(v)),
    );
    await fc.assert(
      fc.asyncProperty(anyValue, async (value) => {
        fc.pre(!(SECRETS as readonly string[]).includes(fieldValue(value)));
        const { status } = await presented(app, value);
        expect(status).toBe(parserRefuses(value) ? 400 : 401);
      }),
      params(150),
    );
    expect(spy.runs.get("protected.access")).toBeUndefined();
  });

  it("answers 200 to each accepted secret, with or without white space around it (the property is not vacuous)", async () => {
    for (const value of [...SECRETS, ` ${SECRET}`, `${SECRETS[1]}\t `]) {
      expect((await presented(app, value)).status).toBe(200);
    }
    expect(spy.runs.get("protected.access")).toBe(4);
  });

  // Regular cases kept from the property runs (seeds that once found something, or edges worth pinning).
  it.each<[string, number, string]>([
    ["the empty value", 401, ""],
    ["only white space", 401, " \t "],
    ["both secrets joined by a comma, as a repeated header is joined", 401, SECRETS.join(", ")],
    ["the secret with DEL inside", 400, SECRET.slice(0, 3) + "\x7f" + SECRET.slice(3)],
    ["the secret with NUL appended", 400, SECRET + "\0"],
    ["the secret with a non-breaking space (0xA0) appended", 401, SECRET + "\xa0"],
  ])("answers %s with %d", async (_name, status, value) => {
    expect((await presented(app, value)).status).toBe(status);
  });
});
