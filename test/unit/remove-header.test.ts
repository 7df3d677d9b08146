import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { removeHeader } from "../../lib/gateway/request";

const NAME = "x-shared-secret";

/** A request as Node's parser makes one: the raw header list, then `headers` read by the server. */
function request(lines: number, secretAt: number): IncomingMessage {
  const raw: string[] = [];
  for (let i = 0; i < lines; i++) raw.push(i === secretAt ? "X-Shared-Secret" : `X-Other-${i}`, `value-${i}`);
  const req = new IncomingMessage(new Socket());
  (req as unknown as { _addHeaderLines(h: string[], n: number): void })._addHeaderLines(raw, raw.length);
  void req.headers;
  return req;
}

describe("removeHeader", () => {
  it.each([
    ["a few headers, a request of the door's own server", 4, true],
    ["a few headers, a request Express handed on", 4, false],
    ["64 headers, a request of the door's own server", 64, true],
    ["64 headers, a request Express handed on", 64, false],
  ])(
    "takes the header out of headers, rawHeaders and headersDistinct, and leaves the rest in order (%s)",
    (_, lines, owned) => {
      const req = request(lines, 2);
      const before = Object.keys(req.headers).filter((key) => key !== NAME);
      removeHeader(req, NAME, owned);
      expect(Object.keys(req.headers)).toEqual(before);
      expect(req.headers[NAME]).toBeUndefined();
      expect(req.rawHeaders.map((v, i) => (i % 2 === 0 ? v.toLowerCase() : v))).not.toContain(NAME);
      expect(req.rawHeaders).toHaveLength(2 * (lines - 1));
      expect(Object.keys(req.headersDistinct)).toEqual(before);
    },
  );

  it("leaves the headers object a holder kept when the request was handed on (not the door's own)", () => {
    const req = request(64, 10);
    const kept = req.headers;
    removeHeader(req, NAME, false);
    expect(kept[NAME]).toBe("value-10");
    expect(req.headers).not.toBe(kept);
  });
});
