/**
 * The door on gateway shapes users build, against the cases that found its old model of
 * moleculer-web wrong: each request here is sent to the door and, where it matters, to the same
 * gateway as plain moleculer-web.
 */
import net from "node:net";
import { SECRET } from "../../helpers/app";
import { startKeyServer, type KeyServer } from "../../helpers/token-app";
import { NO_SECRET } from "../../helpers/contract";
import { SHAPES, startShape, WITH_SECRET, type Shape, type ZooGateway } from "../../helpers/zoo";

function shape(name: string): Shape {
  const found = SHAPES.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no shape ${name}`);
  return found;
}

/** Starts the shape with the door and as plain moleculer-web for the describe block. */
function both(name: string): { door: () => ZooGateway; plain: () => ZooGateway } {
  let door: ZooGateway;
  let plain: ZooGateway;
  beforeAll(async () => {
    [door, plain] = await Promise.all([startShape(shape(name), true), startShape(shape(name), false)]);
  });
  afterAll(() => Promise.all([door?.stop(), plain?.stop()]));
  return { door: () => door, plain: () => plain };
}

describe("a gateway with an open health and path parameters", () => {
  const gw = both("path parameters with an open health");

  it.each([
    ["GET", "/users/%E0"],
    ["HEAD", "/files/%E0"],
    ["OPTIONS", "/users/%E0"],
    ["GET", "/files/%zz"],
  ])("answers %s %s without the secret with 401 and keeps serving", async (method, path) => {
    const res = await gw.door().call(path, {}, method);
    expect(res.status).toBe(401);
    expect((await gw.door().call("/health")).status).toBe(200);
  });

  it.each([
    ["GET", "/users/%E0"],
    ["HEAD", "/files/%E0"],
    ["OPTIONS", "/users/%E0"],
  ])("answers %s %s with the secret as moleculer-web does (400), and keeps serving", async (method, path) => {
    const [door, plain] = await Promise.all([
      gw.door().call(path, WITH_SECRET, method),
      gw.plain().call(path, {}, method),
    ]);
    expect(plain.status).toBe(400);
    expect(door.status).toBe(plain.status);
    expect(door.text).toBe(plain.text);
    expect((await gw.door().call("/users/7", WITH_SECRET)).body).toEqual({ id: "7" });
  });

  it("refuses OPTIONS without the secret on a locked alias (no Allow list of it)", async () => {
    const res = await gw.door().call("/users/1", {}, "OPTIONS");
    expect(res.status).toBe(401);
    expect(res.headers.allow).toBeUndefined();
  });

  it("answers OPTIONS with the secret with 204 and the alias's methods", async () => {
    const res = await gw.door().call("/items", WITH_SECRET, "OPTIONS");
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe("GET, POST, HEAD, OPTIONS");
  });

  it("answers HEAD on a GET alias like GET, without a body, with the secret only", async () => {
    expect((await gw.door().call("/users/1", WITH_SECRET, "HEAD")).status).toBe(200);
    expect((await gw.door().call("/users/1", {}, "HEAD")).status).toBe(401);
    expect((await gw.door().call("/health", {}, "HEAD")).status).toBe(200);
  });

  it("refuses a URL moleculer-web routes nowhere with 401 without the secret, 404 with it", async () => {
    expect((await gw.door().call("/nowhere")).body).toEqual(NO_SECRET);
    expect((await gw.door().call("/nowhere", WITH_SECRET)).status).toBe(404);
  });
});

describe("a gateway with path parameters and nothing open", () => {
  const gw = both("path parameters with nothing open");

  it.each([
    ["HEAD", "/files/%E0"],
    ["GET", "/users/%E0"],
  ])("answers %s %s without the secret with 401 and keeps serving", async (method, path) => {
    expect((await gw.door().call(path, {}, method)).status).toBe(401);
    expect((await gw.door().call("/users/2", WITH_SECRET)).status).toBe(200);
  });
});

describe("a gateway with metrics on", () => {
  const gw = both("metrics on");

  it("answers GET /users/%E0 with the secret as moleculer-web does, and keeps serving", async () => {
    const [door, plain] = await Promise.all([
      gw.door().call("/users/%E0", WITH_SECRET),
      gw.plain().call("/users/%E0"),
    ]);
    expect(door.status).toBe(plain.status);
    expect((await gw.door().call("/users/3", WITH_SECRET)).status).toBe(200);
  });
});

describe("a gateway with CORS", () => {
  const gw = both("CORS");
  const preflight = { origin: "http://x.example", "access-control-request-method": "GET" };

  it("answers a preflight to a URL that does not decode as moleculer-web does, with the secret", async () => {
    const [door, plain] = await Promise.all([
      gw.door().call("/x/%zz", { ...preflight, ...WITH_SECRET }, "OPTIONS"),
      gw.plain().call("/x/%zz", preflight, "OPTIONS"),
    ]);
    expect(door.status).toBe(plain.status);
  });

  it("refuses a preflight to a locked alias without the secret, answers one to the open health", async () => {
    expect((await gw.door().call("/x/1", preflight, "OPTIONS")).status).toBe(401);
    const open = await gw.door().call("/health", preflight, "OPTIONS");
    expect(open.status).toBe(204);
    expect(open.headers["access-control-allow-origin"]).toBe("*");
  });

  it("refuses a preflight to a URL routed nowhere without the secret", async () => {
    expect((await gw.door().call("/nowhere", preflight, "OPTIONS")).status).toBe(401);
  });
});

describe("a gateway with an open route and static files (openAssets off)", () => {
  const gw = both("an open route and static files");

  it("refuses a static file under the open route's prefix without the secret", async () => {
    const plain = await gw.plain().call("/status/secret.txt");
    expect(plain.status).toBe(200); // moleculer-web serves it there
    const res = await gw.door().call("/status/secret.txt");
    expect(res.status).toBe(401);
    expect(res.text).not.toContain("locked file");
  });

  it("serves the open route's alias without the secret, and the file with it", async () => {
    expect((await gw.door().call("/status")).body).toEqual({ status: "ok" });
    expect((await gw.door().call("/status/secret.txt", WITH_SECRET)).text).toBe("locked file\n");
    expect((await gw.door().call("/secret.txt")).status).toBe(401);
  });

  it("refuses a directory without the secret, and redirects it with the secret without a look-alike parameter", async () => {
    expect((await gw.door().call("/dir")).status).toBe(401);
    const res = await gw.door().call(`/dir?%5Bx-shared-secret%5D=${SECRET}&a=1`, WITH_SECRET);
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe("/dir/?a=1");
    expect(res.text).not.toContain(SECRET);
  });
});

describe("a gateway with open static files (openAssets) and a locked route", () => {
  const gw = both("open static files (openAssets) and a locked route");

  it("serves static files without the secret where moleculer-web serves them, under the route's prefix too", async () => {
    for (const path of ["/secret.txt", "/api/secret.txt", "/dir/"]) {
      const [door, plain] = await Promise.all([gw.door().call(path), gw.plain().call(path)]);
      expect([path, door.status, door.text]).toEqual([path, plain.status, plain.text]);
      expect(door.status).toBe(200);
    }
  });

  it("still refuses the route's alias and a missing file without the secret", async () => {
    expect((await gw.door().call("/api/users/1")).status).toBe(401);
    expect((await gw.door().call("/missing.txt")).status).toBe(401);
    expect((await gw.door().call("/missing.txt", WITH_SECRET)).status).toBe(404);
  });
});

describe("a gateway with mappingPolicy all", () => {
  const gw = both("mappingPolicy all");

  it("refuses an action mapped by URL without the secret and serves it with it", async () => {
    expect((await gw.door().call("/api/users/echo")).status).toBe(401);
    expect((await gw.door().call("/api/users/echo", WITH_SECRET)).status).toBe(200);
    expect((await gw.door().call("/api/health")).status).toBe(200);
  });
});

describe("a gateway with autoAliases", () => {
  const gw = both("autoAliases");

  it("serves the open route's auto-alias without the secret and refuses the locked route's", async () => {
    expect((await gw.door().call("/pub/health")).body).toEqual({ status: "ok" });
    expect((await gw.door().call("/api/users/5")).status).toBe(401);
    expect((await gw.door().call("/api/users/5", WITH_SECRET)).body).toEqual({ id: "5" });
    // the open route's prefix does not open what is not its alias
    expect((await gw.door().call("/pub/users/5")).status).toBe(401);
  });
});

describe("a gateway with two routes whose prefixes overlap", () => {
  const gw = both("two routes with overlapping prefixes");

  it("decides on the alias moleculer-web picks, not on the longest prefix", async () => {
    expect((await gw.door().call("/api/open/ping")).status).toBe(200);
    expect((await gw.door().call("/api/open/other")).status).toBe(401);
    expect((await gw.door().call("/api/open/other", WITH_SECRET)).status).toBe(200);
  });
});

describe("a gateway with its own qsOptions", () => {
  const gw = both("qsOptions (delimiter ; and allowDots)");

  it.each([
    [`x-shared-secret=${SECRET};a=1`],
    [`a=1;[x-shared-secret]=${SECRET}`],
    [`a=1;x-shared-secret.b=${SECRET}`],
    [`a=1;%5BX-Shared-Secret%5D%5Bb%5D=${SECRET}`],
  ])("takes ?%s out by the gateway's own parser and keeps the other parameters", async (query) => {
    const res = await gw.door().call(`/echo?${query}`, WITH_SECRET);
    expect(res.status).toBe(200);
    expect((res.body as { params: unknown }).params).toEqual({ a: "1" });
    expect(res.text).not.toContain(SECRET);
    expect(gw.door().logger.lines.join("\n")).not.toContain(SECRET);
  });
});

describe("a gateway whose query parser is moleculer-web's default", () => {
  const gw = both("path parameters with an open health");

  it.each([
    [`[x-shared-secret]=${SECRET}&a=1`],
    [`%5Bx-shared-secret%5D=${SECRET}&a=1`],
    [`[X-Shared-Secret][a]=${SECRET}&a=1`],
    [`x-shared-secret[]=${SECRET}&a=1&x-shared-secret=${SECRET}`],
  ])("never hands ?%s to the action, the log or the answer", async (query) => {
    const res = await gw.door().call(`/echo?${query}`, WITH_SECRET);
    expect(res.status).toBe(200);
    expect((res.body as { params: unknown }).params).toEqual({ a: "1" });
    expect(res.text).not.toContain(SECRET);
    expect(gw.door().logger.lines.join("\n")).not.toContain(SECRET);
  });
});

describe("a versioned gateway", () => {
  const gw = both("a versioned gateway");

  it("is checked like any other: 401 without the secret, 200 with it, open health open", async () => {
    expect((await gw.door().call("/users/1")).status).toBe(401);
    expect((await gw.door().call("/users/1", WITH_SECRET)).status).toBe(200);
    expect((await gw.door().call("/health")).status).toBe(200);
  });
});

describe("a refused request whose body is still on its way", () => {
  const gw = both("path parameters with an open health");

  it("is answered 401 with Connection: close, and the connection is closed rather than drained", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port: gw.door().port });
      let text = "";
      socket.setTimeout(10000, () => socket.destroy(new Error("the server kept the connection open")));
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
      socket.write(
        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n" + "a".repeat(1000),
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
  });

  it("keeps a refused request without a body on its keep-alive connection", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port: gw.door().port });
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (text.includes("}")) socket.end();
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
      socket.write("GET /users/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    });
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer).toMatch(/\r\nConnection: keep-alive\r\n/i);
  });
});

describe("a token gateway with path parameters", () => {
  let keys: KeyServer;
  let door: ZooGateway;
  let plain: ZooGateway;
  beforeAll(async () => {
    keys = await startKeyServer();
    const shape = SHAPES.find((s) => s.name === "path parameters with an open health")!;
    [door, plain] = await Promise.all([
      startShape({ ...shape, middleware: { token: keys.token } }, true),
      startShape(shape, false),
    ]);
  });
  afterAll(async () => {
    await Promise.all([door?.stop(), plain?.stop()]);
    await keys?.keys.close();
  });

  it("answers GET /users/%E0 with 401 without a token and as moleculer-web does with one, and keeps serving", async () => {
    expect((await door.call("/users/%E0")).status).toBe(401);
    const token = await keys.sign();
    const [admitted, bare] = await Promise.all([
      door.call("/users/%E0", { authorization: `Bearer ${token}` }),
      plain.call("/users/%E0"),
    ]);
    expect(admitted.status).toBe(bare.status);
    expect((await door.call("/users/1", { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});
