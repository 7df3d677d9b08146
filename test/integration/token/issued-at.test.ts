/**
 * A token's `iat` against the clock: a token issued later than now plus `clockTolerance` is refused
 * as an invalid token, with `maxTokenAge` or without it, and no cached verdict lets it through; one
 * issued within the tolerance is admitted.
 */
import { bearer, expectNoTrace, expectRefusal, startTokenApp, type TokenApp } from "../../helpers/token-app";

const CLOCK_TOLERANCE = 30;

describe.each([
  ["without maxTokenAge", {}],
  ["with maxTokenAge", { maxTokenAge: 600 }],
])("a token's iat, with a clock tolerance of 30 s, %s", (_name, extra) => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({ token: { clockTolerance: CLOCK_TOLERANCE, ...extra } });
  });
  afterAll(() => app.close());

  it("refuses a token issued 120 s in the future with 401 Invalid token, and logs why", async () => {
    const token = await app.sign({ issuedAgo: -120 });
    const answer = await app.get("/whoami", bearer(token, { "x-request-id": "iat-future" }));
    expectRefusal(answer, 401, "ERR_INVALID_TOKEN", "Invalid token");
    const line = app.logger.lines.find((l) => l.includes("request iat-future."));
    expect(line).toContain("invalid token: iat in the future");
    expectNoTrace([...app.logger.lines, answer.text], token);
  });

  it("refuses a token issued in the future every time it is presented (no cached verdict)", async () => {
    const token = await app.sign({ issuedAgo: -120 });
    for (let i = 0; i < 3; i++) {
      expectRefusal(await app.get("/whoami", bearer(token)), 401, "ERR_INVALID_TOKEN", "Invalid token");
    }
  });

  it("admits a token issued 10 s in the future, within the tolerance, again from the cache", async () => {
    const token = await app.sign({ issuedAgo: -10 });
    for (let i = 0; i < 2; i++) {
      const answer = await app.get("/whoami", bearer(token));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ claims: { sub: "consumer-7" } });
    }
  });
});
