import { resolveOptions } from "../../lib/options";
import { fileLoader } from "../../lib/secrets/file-loader";
import { staticLoader } from "../../lib/secrets/static-loader";
import { SecretStore } from "../../lib/secrets/store";

/** A logger that keeps its lines, `level message`. */
function recorder() {
  const lines: string[] = [];
  const log = (level: string) => (message: unknown) => lines.push(`${level} ${String(message)}`);
  return { lines, logger: { info: log("info"), warn: log("warn"), error: log("error") } };
}

describe("a store whose owner refuses to start without a secret (requireSecret)", () => {
  it("says nothing about the first load's problem, and gives it to the owner to say once", async () => {
    const store = new SecretStore(fileLoader("/nonexistent/shared-secret", 2000));
    store.refusesToStart = true;
    const { lines, logger } = recorder();
    await store.start(logger);
    store.stop();
    expect(lines).toEqual([]);
    expect(store.currentProblem).toBe(
      "cannot read the secret file /nonexistent/shared-secret (error ENOENT)",
    );
  });

  it("names what to set when nothing is configured", async () => {
    const store = new SecretStore(staticLoader(null, "no secret configured (set SHARED_SECRET)"));
    store.refusesToStart = true;
    await store.start(recorder().logger);
    store.stop();
    expect(store.currentProblem).toBe("no secret configured (set SHARED_SECRET)");
  });

  it("logs the problem, with its consequence, when the owner serves anyway", async () => {
    const store = new SecretStore(fileLoader("/nonexistent/shared-secret", 2000));
    const { lines, logger } = recorder();
    await store.start(logger);
    store.stop();
    expect(lines).toEqual([
      "error Shared secret: cannot read the secret file /nonexistent/shared-secret (error ENOENT); every checked call is refused with 500 Server configuration error until it is fixed.",
    ]);
  });

  it("has no problem while secrets are in force", async () => {
    const { store } = resolveOptions({ secret: "s".repeat(32) }, {});
    store.refusesToStart = true;
    await store.start(recorder().logger);
    store.stop();
    expect(store.currentProblem).toBeNull();
  });
});
