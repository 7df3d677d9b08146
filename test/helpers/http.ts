import http from "node:http";
import net from "node:net";

/** A response as the client saw it. */
export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: unknown;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface RequestOptions {
  /** A body to send; its `content-length` is set unless the headers are a raw array. */
  body?: string;
  /** Fails the request when its socket is idle this long (connecting included); default: no limit. */
  timeoutMs?: number;
}

/** Sends one request to 127.0.0.1:port with Node's client (no keep-alive). */
export function request(
  port: number,
  path: string,
  headers: http.OutgoingHttpHeaders | string[] = {},
  method = "GET",
  options: RequestOptions = {},
): Promise<HttpResult> {
  const { body, timeoutMs } = options;
  const sent =
    body === undefined || Array.isArray(headers)
      ? headers
      : { "content-length": String(Buffer.byteLength(body)), ...headers };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method, headers: sent, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parse(text) });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * The head of a raw request, written verbatim (`requestLine` and `headers` as given, so anything
 * Node's client refuses can be sent), with `Host: 127.0.0.1` and `Connection: close`.
 */
export function rawHead(requestLine: string, headers: readonly string[] = []): string {
  return [requestLine, "Host: 127.0.0.1", "Connection: close", ...headers, "", ""].join("\r\n");
}

/**
 * Writes raw bytes to 127.0.0.1:port and returns everything the server sent until it closed.
 * For what Node's client refuses to send: control characters, raw non-ASCII bytes, pipelining.
 */
export function rawRequest(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10000, () => socket.destroy(new Error("raw request timed out")));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
    socket.end(bytes);
  });
}

/** Status code of the first response in a raw HTTP answer. */
export function rawStatus(answer: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return match ? Number(match[1]) : 0;
}

/** Status codes of every response in a raw answer, in order (pipelining, keep-alive). */
export function rawStatuses(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
}
