/**
 * The door over HTTP/2 (moleculer-web `http2: true`, cleartext, on 127.0.0.1): a look-alike query
 * parameter leaves the request's `:path` in `rawHeaders` too, and a credential header sent twice is
 * refused as over HTTP/1.1.
 */
import http2 from "node:http2";
import net from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { SharedSecretGateway, SharedSecretMiddleware } from "../../../index";
import { startGatewayOnLoopback, type StartedGateway } from "../../../support/loopback";
import { SECRET } from "../../helpers/app";
import { localBroker } from "../../helpers/broker";
import { startKeyServer, type KeyServer } from "../../helpers/token-app";

interface H2Result {
  status: number;
  text: string;
}

/** One HTTP/2 request; `headers` may repeat a field (an array of values sends it several times). */
function h2(port: number, path: string, headers: Record<string, string | string[]> = {}): Promise<H2Result> {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on("error", reject);
    const req = client.request({ ":method": "GET", ":path": path, ...headers });
    let text = "";
    let status = 0;
    req.setEncoding("utf8");
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      client.close();
      resolve({ status, text });
    });
    req.on("error", (err) => {
      client.close();
      reject(err);
    });
    req.end();
  });
}

/** An HPACK literal header field without indexing, new name, no Huffman (RFC 7541 6.2.2). */
function literal(name: string, value: string): Buffer {
  const length = (s: string) => {
    const n = Buffer.byteLength(s);
    return n < 127 ? Buffer.from([n]) : Buffer.from([127, ...varint(n - 127)]);
  };
  return Buffer.concat([
    Buffer.from([0]),
    length(name),
    Buffer.from(name),
    length(value),
    Buffer.from(value),
  ]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) + 128);
    n = Math.floor(n / 128);
  }
  return [...out, n];
}

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/**
 * One GET over a raw HTTP/2 connection, with header fields sent exactly as given (Node's client
 * refuses to send `authorization` twice; a hostile client does not ask). Resolves with the bytes of
 * the response's DATA frames.
 */
function rawH2(port: number, path: string, fields: [string, string][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let body = "";
    const timer = setTimeout(() => socket.destroy(new Error("no answer")), 10000);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 9) {
        const length = received.readUIntBE(0, 3);
        if (received.length < 9 + length) break;
        const [type, flags] = [received[3], received[4]];
        if (type === 0) body += received.subarray(9, 9 + length).toString("utf8");
        if (type === 4 && (flags & 1) === 0) socket.write(frame(4, 1, 0, Buffer.alloc(0)));
        received = received.subarray(9 + length);
        if (type === 0 && (flags & 1) === 1) {
          clearTimeout(timer);
          socket.end();
          resolve(body);
          return;
        }
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const block = Buffer.concat(
      [[":method", "GET"], [":scheme", "http"], [":authority", "127.0.0.1"], [":path", path], ...fields].map(
        ([n, v]) => literal(n, v),
      ),
    );
    socket.write(
      Buffer.concat([
        Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        frame(4, 0, 0, Buffer.alloc(0)),
        frame(1, 0x5, 1, block),
      ]),
    );
  });
}

/** A gateway whose alias function answers with what the request still holds. */
function gateway(door: ReturnType<typeof SharedSecretGateway>): ServiceSchema {
  return {
    name: "api",
    mixins: [door, ApiGateway],
    settings: {
      http2: true,
      routes: [
        {
          path: "/",
          aliases: {
            "GET /raw"(req: IncomingMessage, res: ServerResponse) {
              res.end(JSON.stringify({ raw: req.rawHeaders, url: req.url }));
            },
          },
        },
      ],
    },
  } as ServiceSchema;
}

describe("a gateway over HTTP/2", () => {
  let app: StartedGateway;
  beforeAll(async () => {
    const broker = localBroker("h2", {
      logger: false,
      middlewares: [SharedSecretMiddleware({ secret: SECRET })],
    });
    app = await startGatewayOnLoopback(broker, gateway(SharedSecretGateway()));
  });
  afterAll(() => app?.stop());

  it("refuses a request without the secret with 401", async () => {
    expect((await h2(app.port, "/raw")).status).toBe(401);
  });

  it("takes a look-alike query parameter out of :path in rawHeaders too", async () => {
    const res = await h2(app.port, `/raw?x-shared-secret=${SECRET}&a=1`, { "x-shared-secret": SECRET });
    expect(res.status).toBe(200);
    expect(res.text).toContain("a=1");
    expect(res.text).not.toContain(SECRET);
  });

  it("refuses the secret sent twice", async () => {
    expect((await h2(app.port, "/raw", { "x-shared-secret": [SECRET, SECRET] })).status).toBe(401);
  });
});

describe("a token gateway over HTTP/2", () => {
  let keys: KeyServer;
  let app: StartedGateway;
  beforeAll(async () => {
    keys = await startKeyServer();
    const broker = localBroker("h2-token", {
      logger: false,
      middlewares: [SharedSecretMiddleware({ token: keys.token })],
    });
    app = await startGatewayOnLoopback(broker, gateway(SharedSecretGateway()));
  });
  afterAll(async () => {
    await app?.stop();
    await keys?.keys.close();
  });

  it("admits one valid token and keeps it out of the request", async () => {
    const token = await keys.sign();
    const res = await h2(app.port, "/raw", { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(token.split(".")[2]);
  });

  it("refuses a token header sent twice, the first one valid, as over HTTP/1.1", async () => {
    const token = await keys.sign();
    const once = await rawH2(app.port, "/raw", [["authorization", `Bearer ${token}`]]);
    expect(once).toContain('"raw"');
    const twice = await rawH2(app.port, "/raw", [
      ["authorization", `Bearer ${token}`],
      ["authorization", "Bearer x"],
    ]);
    expect(JSON.parse(twice)).toMatchObject({ code: 401, type: "ERR_INVALID_TOKEN" });
  });
});
