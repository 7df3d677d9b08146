import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  buildSecretSet,
  fileLoader,
  providerLoader,
  SecretLoadError,
  staticLoader,
  type SecretLoader,
} from "../../../lib/secrets";

const A = "a".repeat(32);
const B = "b".repeat(32);

/** The problem a loader reports: its message, after checking it is a SecretLoadError. */
async function problemOf(loader: SecretLoader): Promise<string> {
  const err = await loader.load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretLoadError);
  return (err as Error).message;
}

describe("staticLoader", () => {
  it("has its set as the initial set and never refreshes", async () => {
    const set = buildSecretSet([A], String, String);
    const loader = staticLoader(set);
    expect(loader.initial).toBe(set);
    expect(loader.refreshInterval).toBeNull();
    await expect(loader.load()).resolves.toBe(set);
  });

  it("reports the caller's words when no secret is configured", async () => {
    expect(await problemOf(staticLoader(null, "no secret configured (set X)"))).toBe(
      "no secret configured (set X)",
    );
  });
});

describe("fileLoader", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-loader-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads nothing when created, only when loaded", async () => {
    const file = path.join(dir, "secret");
    const loader = fileLoader(file, 2000);
    expect(loader.initial).toBeNull();
    fs.writeFileSync(file, `${A}\n`); // written after creation: seen by the first load
    expect((await loader.load()).values).toEqual([A]);
  });

  it("answers the same set object while the text is unchanged, and a new one once it changes", async () => {
    const file = path.join(dir, "secret");
    fs.writeFileSync(file, `${A}\n`);
    const loader = fileLoader(file, 2000);
    const first = await loader.load();
    expect(await loader.load()).toBe(first);
    fs.writeFileSync(file, `${A}\n${B}\n`);
    const second = await loader.load();
    expect(second).not.toBe(first);
    expect(second.values).toEqual([A, B]);
  });

  it.each([
    ["missing", (file: string) => void file, /^cannot read the secret file .* \(error ENOENT\)$/],
    [
      "a directory",
      (file: string) => fs.mkdirSync(file),
      /^cannot read the secret file .* \(error EISDIR\)$/,
    ],
    [
      "holding a field that may be a second secret",
      (file: string) => fs.writeFileSync(file, `${A} ${B}\n`),
      /^the secret file .* is not usable: Shared secret: line 1 .*unknown field/,
    ],
  ])("reports a file that is %s by its path, quoting no secret", async (_name, make, message) => {
    const file = path.join(dir, "secret");
    make(file);
    const problem = await problemOf(fileLoader(file, 2000));
    expect(problem).toMatch(message);
    expect(problem).toContain(file);
    expect(problem).not.toContain(B);
  });

  it("names the file in its description", () => {
    expect(fileLoader("/run/secrets/x", 2000).description).toBe("file /run/secrets/x");
  });
});

describe("providerLoader", () => {
  it("builds a set from a single secret or a list, labelled by position", async () => {
    expect((await providerLoader(() => A, 60000, 1000).load()).labels).toEqual(["provider[0]"]);
    const set = await providerLoader(async () => [A, { value: B, name: "vault" }], 60000, 1000).load();
    expect(set.values).toEqual([A, B]);
    expect(set.labels).toEqual(["provider[0]", "vault"]);
  });

  it.each<[string, () => unknown, string]>([
    [
      "throws, quoting a secret",
      () => Promise.reject(new Error(`vault down, token ${A}`)),
      "(the provider failed)",
    ],
    ["hangs", () => new Promise(() => undefined), "(error ETIMEDOUT)"],
    ["returns an empty list", () => [], "(Shared secret: the provider returned no secret.)"],
  ])("fails closed when the provider %s, saying only what is safe", async (_name, provider, reason) => {
    const problem = await problemOf(providerLoader(provider as () => string, 60000, 50));
    expect(problem).toBe(`the secret provider failed ${reason}`);
  });

  it("names a bad secret by its position, without quoting it", async () => {
    const problem = await problemOf(providerLoader(() => [A, "has space"], 60000, 1000));
    expect(problem).toMatch(/secret 1 from the provider must be a non-empty string/);
    expect(problem).not.toContain("has space");
  });
});
