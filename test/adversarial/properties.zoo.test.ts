import fc from "fast-check";
import net from "node:net";
import { rawStatus } from "../helpers/http";
import { SECRET } from "../helpers/app";
import { SHAPES, startShape, type ZooGateway } from "../helpers/zoo";
import { FC_SEED } from "./support/fuzz";

/**
 * Generated requests against every gateway shape of the zoo, each sent to the door without the
 * secret, to the door with it, and to the same gateway as plain moleculer-web: the door never
 * throws (every answer is an HTTP answer, the server keeps serving), never runs a protected handler
 * without the secret, and with the secret answers as moleculer-web does.
 */

const runs = Number(process.env.FC_RUNS ?? 0);
/** 300 runs in `npm test`; `npm run test:fuzz` runs FC_RUNS (10,000), three requests each. */
const numRuns = runs > 0 ? runs : 300;

const SEGMENTS = [
  "users",
  "items",
  "files",
  "health",
  "status",
  "api",
  "pub",
  "open",
  "ping",
  "echo",
  "other",
  "dir",
  "secret.txt",
  "x",
  "1",
  "%E0",
  "%zz",
  "%",
  "%2F",
  "%2e%2e",
  "..",
  ".",
  "",
  ";",
  "a;b",
  "[a]",
  "%5B",
  "é",
  "%C3%A9",
  "~node",
  "$node",
  "list-aliases",
  "*",
  "a".repeat(300),
];
const QUERIES = [
  "",
  "?a=1",
  "?a=1;b=2",
  "?x-shared-secret",
  "?[x-shared-secret]=no",
  "?a[b]=1",
  "?%zz=1",
  "?a.b=c",
  "?",
];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"];

const url = fc
  .tuple(
    fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 5 }),
    fc.constantFrom("/", "//"),
    fc.boolean(),
    fc.constantFrom(...QUERIES),
  )
  .map(([segments, join, trailing, query]) => "/" + segments.join(join) + (trailing ? "/" : "") + query);

/** The request line and headers, as bytes (non-ASCII kept as UTF-8, as clients send it). */
function head(method: string, target: string, headers: string[]): Buffer {
  return Buffer.from(
    [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...headers, "", ""].join("\r\n"),
    "utf8",
  );
}

interface Answer {
  status: number;
  body: string;
}

/** Writes the request and reads until the server closes (`Connection: close`); no half-close. */
function exchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
    socket.write(bytes);
  });
}

async function send(gw: ZooGateway, method: string, target: string, headers: string[] = []): Promise<Answer> {
  const answer = await exchange(gw.port, head(method, target, headers));
  const at = answer.indexOf("\r\n\r\n");
  return { status: rawStatus(answer), body: at === -1 ? "" : answer.slice(at + 4) };
}

describe("generated requests on every gateway shape of the zoo", () => {
  const doors: ZooGateway[] = [];
  const plains: ZooGateway[] = [];
  beforeAll(async () => {
    for (const shape of SHAPES) {
      doors.push(await startShape(shape, true));
      plains.push(await startShape(shape, false));
    }
  }, 60000);
  afterAll(() => Promise.all([...doors, ...plains].map((gw) => gw.stop())));

  it(`never throws, never lets a protected handler run without the secret, and answers as moleculer-web with it (${numRuns} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: SHAPES.length - 1 }),
        fc.constantFrom(...METHODS),
        url,
        async (i, method, target) => {
          const door = doors[i];
          const before = door.protectedRuns();
          const refused = await send(door, method, target);
          expect(refused.status).toBeGreaterThanOrEqual(200);
          expect(refused.status).toBeLessThan(500);
          expect(door.protectedRuns()).toBe(before);
          if (SHAPES[i].door?.openAssets !== true) expect(refused.body).not.toContain("locked file");

          const [admitted, plain] = await Promise.all([
            send(door, method, target, [`x-shared-secret: ${SECRET}`]),
            send(plains[i], method, target),
          ]);
          expect(admitted.status).toBeGreaterThan(0);
          // The door's two documented answers of its own: OPTIONS (204 with Allow) and HEAD as GET.
          if (method === "OPTIONS" || method === "HEAD") return;
          const name = SHAPES[i].name;
          if (target.includes("x-shared-secret")) {
            // A look-alike query parameter is taken out: the same answer, without it.
            expect([name, method, target, admitted.status]).toEqual([name, method, target, plain.status]);
            expect(admitted.body).not.toContain('"x-shared-secret"');
            return;
          }
          expect([name, method, target, admitted.status, admitted.body]).toEqual([
            name,
            method,
            target,
            plain.status,
            plain.body,
          ]);
        },
      ),
      { seed: FC_SEED, numRuns, endOnFailure: true },
    );
    // Every gateway still serves.
    for (const door of doors) expect((await send(door, "GET", "/nowhere")).status).toBe(401);
  }, 600000);
});
