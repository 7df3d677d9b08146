/**
 * The library as users install it: the compiled package (`npm run build` → dist/, what `npm pack`
 * ships), loaded at run time and never from the TypeScript sources. Types still come from the
 * sources at compile time (type-only imports, erased from the emitted JavaScript), so `tsc --noEmit`
 * checks the bench without a build. Every bench file reaches the library through this module.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Library from "../index";

interface PackageJson {
  name: string;
  version: string;
}

/** The package's root: the bench runs compiled from a cache directory, so look for package.json. */
function findRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, "utf8")) as PackageJson).name === "moleculer-shared-secret"
    ) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error("bench: cannot find the moleculer-shared-secret package root");
  }
}

export const root = findRoot();
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;
const requireFromRoot = createRequire(join(root, "package.json"));

/**
 * The public API, resolved by the package's own name from its root, as a user's `require` would:
 * through package.json `exports` to dist/index.js.
 */
export const library = requireFromRoot(manifest.name) as typeof Library;

/**
 * The comparison alone (sections 1, 4 and L): not exported by the entry point, so taken from the
 * same compiled tree, dist/lib/check/compare.js, which the package ships (`files` lists dist/lib). The one
 * place the bench reaches past the entry point; change it here if the comparison moves.
 */
export const createSecretMatcher = (
  requireFromRoot(join(root, "dist", "lib", "check", "compare.js")) as {
    /** Index of the accepted secret a presented value equals, or -1. */
    createSecretMatcher: (secrets: readonly string[]) => (presented: string) => number;
  }
).createSecretMatcher;

/**
 * A plain JavaScript file of bench/ (the Express sketch), which the compile leaves where it is: loaded
 * from the source tree, beside its .d.ts.
 */
export function benchScript<T>(file: string): T {
  return requireFromRoot(join(root, "bench", file)) as T;
}

/** "abc1234", "abc1234-dirty" when the work tree has changes, "unknown" outside a git checkout. */
function commit(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain") === "" ? "" : "-dirty"}`;
  } catch {
    return "unknown";
  }
}

/** What the header of the output names: the package measured, its version and the commit. */
export const measured = {
  name: manifest.name,
  version: manifest.version,
  entry: requireFromRoot.resolve(manifest.name),
  commit: commit(),
};
