import path from "node:path";
import { rawHead, rawRequest, rawStatuses } from "../../helpers/http";
import { findLeak } from "../../helpers/leaks";
import { freePort, ROOT, spawnRunner } from "../../helpers/process";

/** The secret the hunted app accepts; every form of it, and of each presented value, is hunted. */
export const HUNT_SECRET = "hunt-secret-51e0c7a2b9d4f6e8a3c1b5d7f9e2a4c6";

/** Wrong values a client or a careless operator could present; each distinctive enough to search for. */
export const WRONG_VALUES = [
  "presented-but-wrong-7c1e9a0b3d5f",
  HUNT_SECRET.slice(0, -1),
  HUNT_SECRET.slice(1),
  HUNT_SECRET + "0",
  HUNT_SECRET.toUpperCase(),
  HUNT_SECRET.slice(0, 10) + "\t" + HUNT_SECRET.slice(10),
  "old-rotated-secret-3b5d7f9e1a2c4e6b",
];

export interface HuntResult {
  /** Everything the app printed, stdout and stderr. */
  output: string;
  /** Every byte of every response, as latin1. */
  responses: string[];
}

const request = (headers: string[], target = "/protected", version = "HTTP/1.1") =>
  rawHead(`GET ${target} ${version}`, headers);

/** Valid, invalid and malformed requests, as raw bytes, to the protected route, the open one and none. */
function attacks(): (string | Buffer)[] {
  const list: (string | Buffer)[] = [];
  for (const target of ["/protected?q=1", "/health", "/no-such-route", "/protected/"]) {
    list.push(request([`x-shared-secret: ${HUNT_SECRET}`], target));
    for (const wrong of WRONG_VALUES) list.push(request([`x-shared-secret: ${wrong}`], target));
    list.push(request([], target));
  }
  list.push(
    request([`X-Shared-Secret: ${HUNT_SECRET}`], "/protected", "HTTP/1.0"),
    request([`x-shared-secret: ${WRONG_VALUES[0]}`, `x-shared-secret: ${HUNT_SECRET}`]),
    request([`x-shared-secret: ${HUNT_SECRET}\x01`]),
    request([`x-shared-secret: ${WRONG_VALUES[0]}\x7f`]),
    request([`x-shared-secret: ${HUNT_SECRET}`, `x-pad: ${"p".repeat(20000)}`]),
    request([`x-shared-secret: ${WRONG_VALUES[0]}${"w".repeat(20000)}`]),
    Buffer.concat([
      Buffer.from("GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-shared-secret: "),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from(WRONG_VALUES[0] + "\r\n\r\n"),
    ]),
    `GET /protected HTTP/1.1\r\nHost: x\r\nx-shared-secret: ${HUNT_SECRET}\r\n\r\n` +
      `GET /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-shared-secret: ${WRONG_VALUES[0]}\r\n\r\n`,
    `POST /protected HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `x-shared-secret: ${WRONG_VALUES[0]}\r\nContent-Length: 9\r\n\r\n{"a":1,}x`,
  );
  return list;
}

/**
 * Runs the reference app (`services/protected`, `services/health`, the `api` gateway) under the loud
 * configuration, sends every attack, waits for the metrics reporter to print at least once, stops the
 * app and returns all it printed and all it answered.
 */
export async function huntLeaks(env: Record<string, string> = {}): Promise<HuntResult> {
  const port = await freePort();
  const support = path.join(ROOT, "test/adversarial/support");
  const app = spawnRunner(
    [
      "--config",
      path.join(support, "loud.config.ts"),
      path.join(ROOT, "services/protected.service.ts"),
      path.join(ROOT, "services/health.service.ts"),
      path.join(support, "loud-api.service.ts"),
      path.join(support, "span-sink.service.ts"),
    ],
    { SHARED_SECRET: HUNT_SECRET, PORT: String(port), ...env },
    { encoding: "latin1" },
  );
  const reports = (text: string) => (text.match(/METRICS END/g) ?? []).length;

  const responses: string[] = [];
  try {
    await app.waitFor(`listening on http://127.0.0.1:${port}`, 20000);
    for (const bytes of attacks())
      responses.push(await rawRequest(port, bytes).catch((e: Error) => `error ${e.message}`));
    // Let the metrics reporter print what it gathered about these requests, then the exporters flush.
    const printed = reports(app.output());
    await app.waitFor((output) => reports(output) >= printed + 2, 20000);
  } finally {
    await app.stop();
  }
  const output = app.output();
  return { output, responses };
}

/**
 * The leak hunt as a jest block: runs the reference app loud (see loud.config.ts) with `env`, then
 * checks that no accepted secret and no presented value shows, in any encoding, in anything it
 * printed or answered.
 */
export function describeLeakHunt(title: string, env: Record<string, string>): void {
  describe(title, () => {
    let hunt: HuntResult;
    beforeAll(async () => {
      hunt = await huntLeaks(env);
    }, 60000);

    it("prints debug logs, spans (console and exported), metrics, request params and 4xx errors with stacks (the hunt is not vacuous)", () => {
      const expected = [
        /DEBUG /,
        /Span 'GET \/protected\?q=1' is finished/,
        /exported spans \[\{.*"name":"GET \/protected/,
        /METRICS END/,
        /Params: \{ q: '1' \}/,
        /refused GET request to gateway 'api' \(invalid\)/,
        /Calling '.*' with params/,
      ];
      expect(expected.filter((pattern) => !pattern.test(hunt.output))).toEqual([]);
    });

    it("answers every kind of request (200, 400, 401, 404, 431)", () => {
      const statuses = new Set(hunt.responses.flatMap(rawStatuses));
      expect([...statuses].sort()).toEqual([200, 400, 401, 404, 431]);
    });

    it("prints neither the secret nor any presented value, in any encoding", () => {
      const leak = findLeak(hunt.output, [HUNT_SECRET, ...WRONG_VALUES]);
      expect(leak).toBeUndefined();
    });

    it("answers neither the secret nor any presented value, in any encoding", () => {
      expect(findLeak(hunt.responses.join("\n"), [HUNT_SECRET, ...WRONG_VALUES])).toBeUndefined();
    });
  });
}
