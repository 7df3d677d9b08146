import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers/process";
import { composeFile, dockerfile, execForm } from "./docker-files";

/*
 * Docker cannot run where this project is tested: the Dockerfile and compose.yaml are read here and
 * checked against the app; production-start.test.ts runs their commands (the CMD, the HEALTHCHECK,
 * the compose nodes) without Docker.
 */

const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));
const instructions = dockerfile();
const stages = [0, 1].map((stage) => instructions.filter((i) => i.stage === stage));

describe("the Dockerfile", () => {
  it("builds on a pinned Node 22 image, the version of the repository's node dev dependency", () => {
    const node = readJson("package-lock.json").packages["node_modules/node"].version;
    const froms = instructions.filter((i) => i.keyword === "FROM").map((i) => i.args.split(" ")[0]);
    expect(froms).toEqual([`node:${node}-bookworm-slim`, `node:${node}-bookworm-slim`]);
    expect(node).toMatch(/^22\./);
  });

  it.each([
    ["build", 0, "package.json package-lock.json ./", "npm ci --ignore-scripts"],
    ["runtime", 1, "deploy/app/package.json deploy/app/package-lock.json ./", "npm ci --omit=dev"],
  ])("copies the manifests, and only them, before the %s stage's install", (_, stage, manifests, install) => {
    const steps = stages[stage].filter((i) => i.keyword === "COPY" || i.keyword === "RUN");
    expect(steps[0]).toMatchObject({ keyword: "COPY", args: manifests });
    expect(steps[1].keyword).toBe("RUN");
    expect(steps[1].args.startsWith(install)).toBe(true);
  });

  it("runs `npm run start:prod`'s command with node as PID 1", () => {
    const cmd = instructions.find((i) => i.keyword === "CMD" && i.stage === 1);
    expect(execForm(cmd?.args ?? "")).toEqual(readJson("package.json").scripts["start:prod"].split(" "));
  });

  it("has a HEALTHCHECK that needs node only (no curl in the slim image)", () => {
    const check = instructions.find((i) => i.keyword === "HEALTHCHECK");
    expect(check?.args).toMatch(/CMD \[/);
    expect(execForm(check?.args ?? "")[0]).toBe("node");
  });

  it("puts no secret in the image's environment", () => {
    const env = instructions.filter((i) => i.keyword === "ENV" || i.keyword === "ARG");
    expect(env.map((i) => i.args).join(" ")).not.toMatch(/SECRET|TOKEN/);
  });
});

describe("compose.yaml, the several-nodes set-up", () => {
  const compose = composeFile();
  const nodes = Object.entries(compose.services).filter(([, service]) => service.build === ".");

  it("runs three nodes of the app on NATS", () => {
    expect(nodes.map(([name]) => name)).toEqual(["gateway", "services-1", "services-2"]);
    expect(compose.services.nats.image).toMatch(/^nats:\d+\.\d+\.\d+-alpine$/);
    for (const [, node] of nodes) {
      expect(node.environment?.TRANSPORTER).toBe("nats://nats:4222");
      expect(node.depends_on).toEqual(["nats"]);
    }
  });

  it("gives every node the secret as a Docker secret file, never as an environment value", () => {
    for (const [, node] of nodes) {
      expect(node.secrets).toEqual(["shared_secret"]);
      expect(node.environment?.SHARED_SECRET_FILE).toBe("/run/secrets/shared_secret");
      expect(Object.keys(node.environment ?? {})).not.toContain("SHARED_SECRET");
    }
    expect(compose.secrets.shared_secret.file).toBe("./shared_secret.txt");
    expect(readFileSync(path.join(ROOT, ".gitignore"), "utf8")).toMatch(/^shared_secret\.txt$/m);
  });

  it("runs every service of the app, each from a compiled file of services/", () => {
    const files = nodes.flatMap(([, node]) => (node.environment?.SERVICES ?? "").split(","));
    for (const file of files) {
      const source = file.replace(/^build\//, "").replace(/\.js$/, ".ts");
      expect(existsSync(path.join(ROOT, source))).toBe(true);
    }
    const services = ["api", "health", "protected", "relay"].map((s) => `build/services/${s}.service.js`);
    expect(new Set(files)).toEqual(new Set(services));
  });

  it("publishes the gateway on the host's loopback only, and checks health on the HTTP node only", () => {
    expect(compose.services.gateway.ports).toEqual(["127.0.0.1:3000:3000"]);
    expect(compose.services.gateway.healthcheck).toBeUndefined();
    expect(compose.services["services-1"].healthcheck).toEqual({ disable: true });
    expect(compose.services["services-2"].healthcheck).toEqual({ disable: true });
  });
});
