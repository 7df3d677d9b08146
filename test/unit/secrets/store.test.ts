import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  buildSecretSet,
  fileLoader,
  SecretLoadError,
  SecretStore,
  type SecretLoader,
  type SecretSet,
} from "../../../lib/secrets";

const A = "a".repeat(32);
const B = "b".repeat(32);
const SHORT = "short-secret-1234";

const setOf = (...inputs: Parameters<typeof buildSecretSet>[0]) =>
  buildSecretSet(
    inputs,
    (i) => `input ${i}`,
    (i) => `label${i}`,
  );

/** A loader answering whatever `next` holds: a set, or a problem to throw. */
function fakeLoader(initial: SecretSet | null = null, refreshInterval: number | null = 20) {
  const state = { next: null as SecretSet | string | null, loads: 0 };
  const loader: SecretLoader = {
    description: "fake",
    refreshInterval,
    initial,
    async load() {
      state.loads++;
      if (typeof state.next === "string") throw new SecretLoadError(state.next);
      if (state.next === null) throw new Error(`leaky ${A}`);
      return state.next;
    },
  };
  return { loader, state };
}

function recordingLog() {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(`${level} ${args.join(" ")}`);
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SecretStore", () => {
  it("calls nothing when constructed: the loader's initial set is in force until start", () => {
    const initial = setOf(A);
    const { loader, state } = fakeLoader(initial);
    const store = new SecretStore(loader);
    expect(store.current).toBe(initial);
    expect(state.loads).toBe(0);
  });

  it("has a file's secrets in force before any I/O callback, even when start is not awaited", async () => {
    // The Express handler starts its store at creation and does not wait for it before serving.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-store-"));
    const file = path.join(dir, "secret");
    fs.writeFileSync(file, `${A}\n`);
    const store = new SecretStore(fileLoader(file, 2000));
    try {
      expect(store.current).toBeNull();
      void store.start(recordingLog().log);
      await new Promise((resolve) => setImmediate(resolve));
      expect(store.current?.values).toEqual([A]);
    } finally {
      store.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says a problem once however often it recurs, and a recovery once", async () => {
    const { loader, state } = fakeLoader();
    const { lines, log } = recordingLog();
    state.next = "the fake source is down";
    const store = new SecretStore(loader);
    await store.start(log);
    try {
      expect(store.current).toBeNull();
      await sleep(100); // several refreshes
      state.next = setOf(A);
      await sleep(60);
      expect(store.current?.values).toEqual([A]);
      await sleep(60);
    } finally {
      store.stop();
    }
    expect(lines).toEqual([
      "error Shared secret: the fake source is down; every checked call is refused with 500 Server configuration error until it is fixed.",
      "info Shared secret: secrets in force again from the fake.",
    ]);
  });

  it("never logs the message of an error that is not a SecretLoadError", async () => {
    const { loader } = fakeLoader(null, null);
    const { lines, log } = recordingLog();
    const store = new SecretStore(loader);
    await store.start(log);
    store.stop();
    expect(store.current).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/^error Shared secret: the secret source failed; /)]);
    expect(lines.join("\n")).not.toContain(A);
  });

  it("warns about a short secret once, by label, however often the same set is loaded", async () => {
    const { loader, state } = fakeLoader();
    const { lines, log } = recordingLog();
    state.next = setOf({ value: SHORT, name: "short" });
    const store = new SecretStore(loader);
    await store.start(log);
    state.next = setOf({ value: SHORT, name: "short" }); // a new object, the same values
    await sleep(100);
    store.stop();
    expect(lines).toEqual([expect.stringMatching(/^warn .*secret 'short' is shorter than 32 characters/)]);
    expect(lines.join("\n")).not.toContain(SHORT);
  });

  it("drops an expired secret at its notAfter, logging it once, and keeps the others", async () => {
    const { loader, state } = fakeLoader(null, null);
    const { lines, log } = recordingLog();
    state.next = setOf(A, { value: B, name: "old", notAfter: Date.now() + 50 });
    const store = new SecretStore(loader);
    await store.start(log);
    expect(store.current?.values).toEqual([A, B]);
    await sleep(120);
    expect(store.current?.values).toEqual([A]);
    expect(store.prune()).toBe(store.current);
    store.stop();
    expect(lines).toEqual([expect.stringMatching(/^warn Shared secret: secret 'old' expired at \d{4}-/)]);
  });

  it("says once that every secret has expired, not again on each refresh of the same source", async () => {
    const { loader, state } = fakeLoader();
    const { lines, log } = recordingLog();
    const expired = setOf({ value: A, name: "gone", notAfter: Date.now() - 1000 });
    state.next = expired;
    const store = new SecretStore(loader);
    await store.start(log);
    await sleep(100);
    store.stop();
    expect(store.current).toBeNull();
    expect(lines).toEqual([
      expect.stringMatching(/^warn .*secret 'gone' expired at/),
      expect.stringMatching(/^error Shared secret: every accepted secret has expired; /),
    ]);
  });

  it("stops refreshing when its last user stops, not before", async () => {
    const { loader, state } = fakeLoader();
    state.next = setOf(A);
    const store = new SecretStore(loader);
    const { log } = recordingLog();
    await store.start(log);
    await store.start(log); // a second broker or service sharing the store
    expect(state.loads).toBe(1);
    store.stop();
    const before = state.loads;
    await sleep(70);
    expect(state.loads).toBeGreaterThan(before);
    store.stop();
    const after = state.loads;
    await sleep(70);
    expect(state.loads).toBe(after);
  });
});
