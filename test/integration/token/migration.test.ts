/**
 * The migration mode, accept "either": a valid secret alone or a valid token alone is let in, each
 * counted under its credential; both wrong, or nothing, is a 401.
 */
import { CHECKS_METRIC } from "../../../index";
import { SECRET } from "../../helpers/app";
import { bearer, expectRefusal, startTokenApp, type TokenApp } from "../../helpers/token-app";

type Row = { labels: Record<string, string>; value: number };

describe('accept "either" during a migration from the secret to tokens', () => {
  let app: TokenApp;
  beforeAll(async () => {
    app = await startTokenApp({
      middleware: { accept: "either", secret: SECRET },
      broker: { metrics: { enabled: true, reporter: [] } },
    });
  });
  afterAll(() => app.close());

  /** The accepted checks of `action`, by credential. */
  const accepted = (action: string) =>
    ((app.broker.metrics.getMetric(CHECKS_METRIC)?.snapshot() ?? []) as Row[])
      .filter((r) => r.labels.outcome === "accepted" && r.labels.action === action)
      .map((r) => `${r.labels.credential}=${r.value}`)
      .sort();

  it("lets in a valid secret alone", async () => {
    expect((await app.get("/whoami", { "x-shared-secret": SECRET })).status).toBe(200);
  });

  it("lets in a valid token alone", async () => {
    expect((await app.get("/whoami", bearer(await app.sign()))).status).toBe(200);
  });

  it("refuses a wrong secret with a wrong token", async () => {
    const token = await app.sign({ audience: "https://other.example.test" });
    const answer = await app.get("/whoami", bearer(token, { "x-shared-secret": "wrong" }));
    expectRefusal(answer, 401, "ERR_INVALID_TOKEN", "Invalid token");
  });

  it("refuses a wrong secret alone as an invalid secret", async () => {
    expectRefusal(await app.get("/whoami", { "x-shared-secret": "wrong" }), 401, "ERR_INVALID_SECRET");
  });

  it("refuses nothing at all with 401 No secret or token provided", async () => {
    expectRefusal(await app.get("/whoami"), 401, "ERR_NO_SECRET", "No secret or token provided");
  });

  it("counts each admitted request under the credential that admitted it, at the door and the action", async () => {
    const before = { door: accepted("api.door"), action: accepted("whoami.get") };
    expect(before).toEqual({ door: ["secret=1", "token=1"], action: ["secret=1", "token=1"] });
    await app.get("/whoami", { "x-shared-secret": SECRET });
    await app.get("/whoami", bearer(await app.sign({ subject: "second" })));
    await app.get("/whoami", bearer(await app.sign({ subject: "third" })));
    expect(accepted("api.door")).toEqual(["secret=2", "token=3"]);
    expect(accepted("whoami.get")).toEqual(["secret=2", "token=3"]);
  });
});
