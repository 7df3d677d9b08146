import { request, rawRequest, rawStatus } from "./http";

/** The secret every contract server accepts. */
export const CONTRACT_SECRET = "contract-secret-2f9c4e1a7b3d8e6f0a5c9d2b7e4f1a3c";

export const NO_SECRET = {
  name: "SharedSecretError",
  message: "No secret provided",
  code: 401,
  type: "ERR_NO_SECRET",
};
export const INVALID = {
  name: "SharedSecretError",
  message: "Invalid secret",
  code: 401,
  type: "ERR_INVALID_SECRET",
};

/**
 * The HTTP contract every protected origin keeps, whatever serves it (moleculer-web, Express):
 * `GET /protected` needs `CONTRACT_SECRET`, `GET /health` needs nothing, and every bad input gets
 * its answer. Call inside a `describe`, after starting the server in a `beforeAll`.
 */
export function itKeepsTheHttpContract(port: () => number): void {
  const SECRET = CONTRACT_SECRET;
  const get = (path: string, headers: Record<string, string> = {}) => request(port(), path, headers);

  it("answers GET /protected with the right secret: 200 Access granted", async () => {
    const res = await get("/protected", { "x-shared-secret": SECRET });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: "Access granted" });
  });

  it("accepts the header name in any case", async () => {
    const res = await get("/protected", { "X-Shared-Secret": SECRET });
    expect(res.status).toBe(200);
  });

  it("answers GET /health without any secret", async () => {
    const res = await get("/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("refuses a request without the header: 401 No secret provided", async () => {
    const res = await get("/protected");
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
  });

  it.each([
    ["empty", ""],
    ["only white space", "   "],
  ])("refuses a header that is %s: 401 No secret provided", async (_name, value) => {
    const res = await get("/protected", { "x-shared-secret": value });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
  });

  it.each([
    ["a wrong secret of the same length", "x".repeat(SECRET.length)],
    ["a wrong short secret", "wrong"],
    ["a prefix of the secret", SECRET.slice(0, -1)],
    ["the secret and one more character", SECRET + "0"],
    ["the secret in upper case", SECRET.toUpperCase()],
    ["the secret twice", SECRET + SECRET],
    ["the secret with a tab inside", SECRET.slice(0, 5) + "\t" + SECRET.slice(5)],
    ["a huge value", "y".repeat(8000)],
  ])("refuses %s: 401 Invalid secret", async (_name, value) => {
    const res = await get("/protected", { "x-shared-secret": value });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
  });

  it("refuses the header sent twice, even with the right secret both times", async () => {
    const answer = await rawRequest(
      port(),
      `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
        `x-shared-secret: ${SECRET}\r\nx-shared-secret: ${SECRET}\r\n\r\n`,
    );
    expect(rawStatus(answer)).toBe(401);
    expect(answer).toContain('"message":"Invalid secret"');
  });

  it("refuses non-ASCII bytes in the header: 401 Invalid secret", async () => {
    const head = Buffer.concat([
      Buffer.from("GET /protected HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nx-shared-secret: "),
      Buffer.from([0xc3, 0xa9, 0xff, 0x80]),
      Buffer.from(SECRET.slice(4) + "\r\n\r\n"),
    ]);
    const answer = await rawRequest(port(), head);
    expect(rawStatus(answer)).toBe(401);
    expect(answer).toContain('"message":"Invalid secret"');
  });

  it("lets Node's HTTP parser refuse control characters in the header with a 4xx, never a 200 or 500", async () => {
    const answer = await rawRequest(
      port(),
      `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-shared-secret: ${SECRET}\x01\r\n\r\n`,
    );
    expect(rawStatus(answer)).toBe(400);
  });

  it("lets Node's HTTP parser refuse a header larger than its limit with 431", async () => {
    const res = await get("/protected", { "x-shared-secret": "z".repeat(20000) }).catch(() => null);
    // Node answers 431 and closes; some clients see the reset first. Either way: no access.
    if (res) expect(res.status).toBe(431);
  });

  it.each([
    ["the query string", "/protected?x-shared-secret=" + SECRET, {}],
    ["a cookie", "/protected", { cookie: `x-shared-secret=${SECRET}` }],
    ["the Authorization header", "/protected", { authorization: `Bearer ${SECRET}` }],
    ["a look-alike header (underscores)", "/protected", { x_shared_secret: SECRET }],
    ["a look-alike header (other name)", "/protected", { "x-shared-secrets": SECRET }],
  ])("refuses the secret when it comes in %s", async (_name, path, headers) => {
    const res = await get(path, headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(NO_SECRET);
  });
}
