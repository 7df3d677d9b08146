/**
 * The gateway's keys over real HTTP: a rotation under load refuses nothing, an outage at start fails
 * closed and heals, cached keys outlive an outage, a flood of unknown kids is one fetch per cooldown,
 * and a slow, oversized or non-JSON key server leaves no keys, a 500 and a clear log line.
 */
import { randomUUID } from "node:crypto";
import { ServiceBroker } from "moleculer";
import { SharedSecretMiddleware } from "../../../index";
import { makeKey, signToken, startJwksServer, type GatewayKey } from "../../helpers/jwks-server";
import {
  AUDIENCE,
  bearer,
  expectRefusal,
  inBatches,
  startTokenApp,
  type TokenApp,
} from "../../helpers/token-app";
import { sleep, until } from "../../helpers/wait";

const COOLDOWN = 200;
const CONFIG_ERROR = "Server configuration error";

/** The captured lines at `level` that mention the gateway keys. */
const keyLines = (app: TokenApp, level: string) =>
  app.logger.lines.filter((l) => l.startsWith(`${level} `) && l.includes("gateway keys"));

describe("a key rotation under load", () => {
  let app: TokenApp;
  let a: GatewayKey;
  let b: GatewayKey;
  beforeAll(async () => {
    [a, b] = [await makeKey("EdDSA", "key-a"), await makeKey("EdDSA", "key-b")];
    app = await startTokenApp({ keys: [a], token: { jwksCooldown: COOLDOWN } });
  });
  afterAll(() => app.close());

  it("refuses none of 300 valid requests while the gateway moves from key A to key B", async () => {
    const REQUESTS = 300;
    const BATCH = 30;
    let signer = a;
    const fetchesAtStart = app.keys.fetches;
    const answers = await inBatches(
      REQUESTS,
      BATCH,
      async (i) => app.get("/whoami", bearer(await signToken(tokenSpec(app, signer, i)))),
      async (first) => {
        if (first === 90) {
          // The gateway publishes B beside A, and signs with B from the next batch on.
          app.keys.publish([a, b]);
        }
        if (first === 120) {
          await sleep(COOLDOWN + 50); // the last fetch is now out of the cooldown
          signer = b;
        }
        if (first === 210) app.keys.publish([b]); // A retired
      },
    );
    const refused = answers.filter((r) => r.status !== 200);
    expect(refused.map((r) => r.status)).toEqual([]);
    expect(answers).toHaveLength(REQUESTS);
    // One fetch for the first B token, shared by its whole batch.
    expect(app.keys.fetches - fetchesAtStart).toBe(1);
  });
});

describe("a key the gateway publishes just after a background refresh", () => {
  let app: TokenApp;
  let a: GatewayKey;
  let b: GatewayKey;
  beforeAll(async () => {
    [a, b] = [await makeKey("EdDSA", "key-a"), await makeKey("EdDSA", "key-b")];
    // A long cooldown, a refresh every second: the refresh must not start the cooldown.
    app = await startTokenApp({ keys: [a], token: { jwksCooldown: 600000, jwksRefreshInterval: 1000 } });
  });
  afterAll(() => app.close());

  it("is fetched for its first token at once, not a cooldown later", async () => {
    const before = app.keys.fetches;
    await until(() => app.keys.fetches > before, 5000); // a background refresh has just run
    app.keys.publish([a, b]);
    const answer = await app.get("/whoami", bearer(await signToken(tokenSpec(app, b, 0))));
    expect(answer.status).toBe(200);
  });
});

/** A valid token for request `i` (a subject of its own: no verified-token cache hit). */
const tokenSpec = (app: TokenApp, key: GatewayKey, i: number) => ({
  key,
  issuer: app.keys.issuer,
  audience: AUDIENCE,
  subject: `consumer-${i}`,
});

describe("a key server down at start", () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({ mode: "down", token: { jwksCooldown: COOLDOWN } });
  });
  afterAll(() => app.close());

  it("fails closed with 500 Server configuration error and says so at error level", async () => {
    const answer = await app.get("/whoami", bearer(await app.sign()));
    expectRefusal(answer, 500, "ERR_SECRET_NOT_CONFIGURED", CONFIG_ERROR);
    expect(keyLines(app, "error").join("\n")).toMatch(/HTTP 503.*fail closed/);
  });

  it("admits tokens again once the server is back, after one refetch past the cooldown", async () => {
    app.keys.mode = "up";
    const before = app.keys.fetches;
    const token = await app.sign();
    await until(async () => (await app.get("/whoami", bearer(token))).status === 200);
    expect(app.keys.fetches - before).toBe(1);
    expect(keyLines(app, "info").join("\n")).toContain("gateway keys loaded again");
  });
});

describe("a key server that goes down after the keys are cached", () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({ token: { jwksCooldown: COOLDOWN } });
  });
  afterAll(() => app.close());

  it("keeps admitting tokens with the cached keys, even after a failed refetch", async () => {
    app.keys.mode = "down";
    await sleep(COOLDOWN + 50);
    // An unknown kid makes the origin try the server, which answers 503.
    const before = app.keys.fetches;
    const unknown = await app.sign({ header: { kid: "unpublished" } });
    expectRefusal(await app.get("/whoami", bearer(unknown)), 401, "ERR_INVALID_TOKEN");
    expect(app.keys.fetches - before).toBe(1);
    expect(keyLines(app, "warn").join("\n")).toContain("the keys loaded before stay in force");
    const answers = await inBatches(20, 10, async (i) =>
      app.get("/whoami", bearer(await app.sign({ subject: `after-outage-${i}` }))),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});

describe("a flood of tokens naming unknown kids", () => {
  it.each([
    ["a cooldown longer than the flood", 600000],
    ["a 200 ms cooldown", COOLDOWN],
  ])("costs at most one JWKS fetch per cooldown, with %s", async (_name, cooldown) => {
    const app = await startTokenApp({ token: { jwksCooldown: cooldown } });
    try {
      const before = app.keys.fetches;
      const started = Date.now();
      const answers = await inBatches(200, 50, async () =>
        app.get("/whoami", bearer(await app.sign({ header: { kid: randomUUID() } }))),
      );
      const elapsed = Date.now() - started;
      expect(answers.map((r) => r.status)).toEqual(Array(200).fill(401));
      expect(app.logs()).toContain("invalid token: no gateway key matches its kid and alg");
      // Starting the broker fetched once; each cooldown that elapsed allows one more.
      expect(app.keys.fetches - before).toBeLessThanOrEqual(1 + Math.floor(elapsed / cooldown));
      if (cooldown > elapsed) expect(app.keys.fetches - before).toBeLessThanOrEqual(1);
    } finally {
      await app.close();
    }
  });
});

describe("a key server that answers badly", () => {
  it.each([
    ["too slowly", "slow", /no answer within 300 ms/],
    ["with more than jwksMaxBytes", "huge", /answer larger than 262144 bytes/],
    ["with something that is not JSON", "not-json", /the answer is not JSON/],
  ] as const)("leaves no keys, a 500 and one error line when it answers %s", async (_name, mode, problem) => {
    const app = await startTokenApp({ mode, token: { jwksTimeout: 300, jwksCooldown: COOLDOWN } });
    try {
      const answers = await inBatches(3, 3, async () => app.get("/whoami", bearer(await app.sign())));
      for (const answer of answers) expectRefusal(answer, 500, "ERR_SECRET_NOT_CONFIGURED", CONFIG_ERROR);
      const errors = keyLines(app, "error");
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(problem);
      expect(app.broker.started).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe("requireSecret with token mode", () => {
  it("refuses to start the broker while the key server is down", async () => {
    const keys = await startJwksServer([await makeKey("EdDSA", "k1")]);
    keys.mode = "down";
    const broker = new ServiceBroker({
      logger: false,
      transporter: null,
      middlewares: [
        SharedSecretMiddleware({
          requireSecret: true,
          token: { jwksUrl: keys.jwksUrl, issuer: keys.issuer, audience: AUDIENCE, algorithms: ["EdDSA"] },
        }),
      ],
    });
    try {
      await expect(broker.start()).rejects.toThrow(/no gateway keys loaded .*requireSecret is set/);
    } finally {
      await broker.stop();
      await keys.close();
    }
  });
});
