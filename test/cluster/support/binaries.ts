import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

const SEARCH_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function find(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":").filter(Boolean), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = `${dir}/${binary}`;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * The path of `binary`, installing Debian's `debianPackage` first when it is missing (`.ci/run`
 * installs it beforehand; this covers a developer running jest alone). Never skips: if the binary
 * cannot be had, the test fails with a message that says what to install.
 */
export function requireBinary(binary: string, debianPackage: string): string {
  const found = find(binary);
  if (found !== undefined) return found;
  try {
    execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 120000 });
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", debianPackage], {
      stdio: "ignore",
      timeout: 180000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (err) {
    throw new Error(
      `${binary} is not installed and "apt-get install ${debianPackage}" failed (${(err as Error).message}); ` +
        `install Debian's ${debianPackage} package (bash .ci/run does) and run the tests again.`,
      { cause: err },
    );
  }
  const installed = find(binary);
  if (installed === undefined)
    throw new Error(`${binary} still not found after installing ${debianPackage}.`);
  return installed;
}
