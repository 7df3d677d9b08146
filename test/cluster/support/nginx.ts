import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NGINX, requireBinary } from "./binaries";
import { get } from "./http";
import { ROOT, spawnProcess, type Proc } from "../../helpers/process";

const TEMPLATES = join(ROOT, "deploy", "nginx");

/**
 * Fills `${NAME}` placeholders as `envsubst '${A} ${B}'` does with an explicit list, and fails on
 * any placeholder left, so a template and its users cannot drift apart silently.
 */
export function renderTemplate(file: string, values: Record<string, string>): string {
  const text = readFileSync(join(TEMPLATES, file), "utf8").replace(
    /\$\{([A-Z_]+)\}/g,
    (whole, name: string) => (name in values ? values[name] : whole),
  );
  // Placeholders in comments are documentation; only configuration lines must be complete.
  const left = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#") && /\$\{[A-Z_]+\}/.test(line));
  if (left.length > 0) throw new Error(`${file}: placeholders left unfilled: ${left.join(" | ")}`);
  return text;
}

export interface Gateway {
  proc: Proc;
  /** The directory nginx runs from (config, pid, logs, temp files). */
  prefix: string;
  stop(): Promise<void>;
}

/** Runs Debian's nginx with deploy/nginx/*.template, on 127.0.0.1:`port`, in front of `origin`. */
export async function startNginxGateway(options: {
  port: number;
  origin: string;
  secret: string;
  keys: Record<string, string>;
}): Promise<Gateway> {
  const binary = requireBinary(NGINX);
  const prefix = mkdtempSync(join(tmpdir(), "shared-secret-nginx-"));
  chmodSync(prefix, 0o755); // nginx workers may run as another user (nobody) when started as root
  const keysFile = join(prefix, "api-keys.map");
  writeFileSync(
    keysFile,
    Object.entries(options.keys)
      .map(([key, client]) => `"Bearer ${key}" ${client};\n`)
      .join(""),
  );
  const gateway = renderTemplate("gateway.conf.template", {
    GATEWAY_LISTEN: `127.0.0.1:${options.port}`,
    ORIGIN: options.origin,
    SHARED_SECRET: options.secret,
    API_KEYS_FILE: keysFile,
  });
  writeFileSync(join(prefix, "gateway.conf"), gateway, { mode: 0o600 });
  writeFileSync(join(prefix, "nginx.conf"), renderTemplate("nginx.conf.template", { NGINX_PREFIX: prefix }));

  const args = ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", "stderr"];
  const proc = spawnProcess("nginx", binary, args, { env: { PATH: process.env.PATH } });
  const stop = async () => {
    await proc.stop("SIGTERM");
    rmSync(prefix, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 10000;
    for (;;) {
      try {
        await get(`http://127.0.0.1:${options.port}/`, {}, 1000);
        break;
      } catch (err) {
        if (Date.now() > deadline || proc.child.exitCode !== null) {
          throw new Error(`nginx did not start: ${(err as Error).message}\n${proc.output()}`, { cause: err });
        }
        await new Promise((done) => setTimeout(done, 100));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { proc, prefix, stop };
}
