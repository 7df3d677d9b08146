import { accessSync, constants } from "node:fs";
import { relative } from "node:path";
import { ROOT } from "../../helpers/process";

/** A program the cluster suites start but npm cannot install: it comes from the system. */
export interface SystemBinary {
  readonly command: string;
  /** An environment variable that gives its path, checked first. */
  readonly envVar: string;
}

export const NATS_SERVER: SystemBinary = { command: "nats-server", envVar: "NATS_SERVER_BIN" };
export const NGINX: SystemBinary = { command: "nginx", envVar: "NGINX_BIN" };

/** What a developer runs to get both (`.ci/run` does the same, as root). */
export const INSTALL_COMMAND = "sudo apt-get install nats-server nginx";

/**
 * Searched after PATH: Debian installs both daemons to /usr/sbin, which is not on a normal user's
 * PATH. `TEST_BINARY_DIRS` replaces this list (colon-separated; empty: PATH only), so the skipping
 * can be tried on a machine that has them.
 */
const EXTRA_DIRS = process.env.TEST_BINARY_DIRS ?? "/usr/local/sbin:/usr/sbin:/sbin";

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Its path: the environment variable if set, else the first match in PATH, then in EXTRA_DIRS. */
export function findBinary(binary: SystemBinary): string | undefined {
  const given = process.env[binary.envVar];
  if (given !== undefined && given !== "") return executable(given) ? given : undefined;
  const dirs = [...(process.env.PATH ?? "").split(":"), ...EXTRA_DIRS.split(":")].filter(Boolean);
  return dirs.map((dir) => `${dir}/${binary.command}`).find(executable);
}

/** Its path, for a suite that `describeWhenInstalled` let run. */
export function requireBinary(binary: SystemBinary): string {
  const found = findBinary(binary);
  if (found === undefined) throw new Error(`${binary.command} not found; install it: ${INSTALL_COMMAND}`);
  return found;
}

/**
 * `describe` when every binary is found. When one is missing, tests never install it: the suites
 * are skipped (`describe.skip`: their tests still show as skipped in jest's summary, and their
 * `beforeAll`/`afterAll` do not run), after one line on stderr that names them and the install
 * command. With `CI` set, a missing binary fails the test file instead: CI must run everything.
 */
export function describeWhenInstalled(...binaries: SystemBinary[]): (name: string, fn: () => void) => void {
  const missing = binaries.filter((binary) => findBinary(binary) === undefined);
  if (missing.length === 0) return describe;
  const what = missing
    .map((b) => `${b.command} not found (${[b.envVar, "PATH", EXTRA_DIRS].filter(Boolean).join(", ")})`)
    .join(", ");
  if (process.env.CI) throw new Error(`CI is set and ${what}: ${INSTALL_COMMAND}`);

  const file = relative(ROOT, expect.getState().testPath ?? "a cluster test");
  const skipped: string[] = [];
  // Suites are registered synchronously while jest loads the file: print once they all are.
  process.nextTick(() =>
    process.stderr.write(
      `SKIPPED ${file}: ${skipped.map((name) => `"${name}"`).join(", ")}: ${what}; ` +
        `install with: ${INSTALL_COMMAND} (or set ${missing.map((b) => b.envVar).join(", ")})\n`,
    ),
  );
  return function describeSkipped(name, fn) {
    skipped.push(name);
    describe.skip(name, fn);
  };
}
