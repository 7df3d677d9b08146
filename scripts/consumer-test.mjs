#!/usr/bin/env node
// Consumer test and compatibility matrix: packs this package, installs the tarball as the README's
// Quick start says (`npm install <file>.tgz`) in fresh temporary projects with moleculer and
// moleculer-web from the registry and a Node binary from the `node` package, and runs a CommonJS app, an ESM app and a type-checked TypeScript app in each, all through
// a real moleculer-web gateway on 127.0.0.1; then each project of examples/ as a user starts it
// (scripts/consumer/examples.mjs), and the README's TypeScript blocks under `strict`
// (scripts/consumer/readme-blocks.mjs). Cells: CELLS="0.15/22 0.14/20" picks some; default all.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runExamples } from "./consumer/examples.mjs";
import { writeReadmeBlocks } from "./consumer/readme-blocks.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = path.join(root, "scripts/consumer");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");
/** The apps each cell runs (the rest of scripts/consumer/ is the runner's). */
const FIXTURES = ["app.cjs", "app.mjs", "app.ts", "check.cjs", "tsconfig.json"];
const devDependencies = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).devDependencies;

const MATRIX = [
  { moleculer: "^0.15.0", web: "^0.11.0", node: "22", key: "0.15/22" },
  { moleculer: "^0.15.0", web: "^0.11.0", node: "20", key: "0.15/20" },
  { moleculer: "^0.14.0", web: "^0.10.0", node: "22", key: "0.14/22" },
  { moleculer: "^0.14.0", web: "^0.10.0", node: "20", key: "0.14/20" },
];
const wanted = (process.env.CELLS ?? "").split(/\s+/).filter(Boolean);
const cells = wanted.length ? MATRIX.filter((c) => wanted.includes(c.key)) : MATRIX;

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 300000 });

const work = fs.mkdtempSync(path.join(os.tmpdir(), "shared-secret-consumer-"));
const results = [];
try {
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], root));
  const tarball = path.join(work, packed.filename);
  console.log(
    `packed ${packed.filename}: ${packed.entryCount} files, ${packed.size} bytes (${packed.unpackedSize} unpacked)`,
  );
  for (const file of packed.files) console.log(`  ${file.path} (${file.size} B)`);
  const shipped = packed.files.map((f) => f.path);
  const stray = shipped.filter(
    (p) => /^(services|test|scripts|deploy|bench)\/|moleculer\.config|\.ts$/.test(p) && !p.endsWith(".d.ts"),
  );
  if (stray.length) throw new Error(`the package ships files it should not: ${stray.join(", ")}`);

  for (const cell of cells) {
    const dir = path.join(work, cell.key.replace("/", "-node"));
    fs.mkdirSync(dir);
    for (const f of FIXTURES) fs.copyFileSync(path.join(fixtures, f), path.join(dir, f));
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        dependencies: {
          moleculer: cell.moleculer,
          "moleculer-web": cell.web,
          node: cell.node,
          "@types/node": cell.node,
          // What the examples' own package.json files add (npm start runs tsc, moleculer-runner --env).
          dotenv: devDependencies.dotenv,
          typescript: devDependencies.typescript,
        },
      }),
    );
    console.log(`\n== moleculer ${cell.moleculer} + moleculer-web ${cell.web} on Node ${cell.node}`);
    // As the README says: npm install /path/to/moleculer-shared-secret-<version>.tgz (with the rest).
    run("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error", tarball], dir);
    const node = path.join(dir, "node_modules/.bin/node");
    const out = [];
    out.push(run(node, ["app.cjs"], dir).trim());
    out.push(run(node, ["app.mjs"], dir).trim());
    run(node, [tsc, "-p", "tsconfig.json"], dir); // type check and compile
    out.push(run(node, ["out/app.js"], dir).trim());
    out.push(...(await runExamples(path.join(root, "examples"), dir)));
    const blocks = writeReadmeBlocks(path.join(root, "README.md"), path.join(dir, "readme"));
    run(node, [tsc, "-p", path.join(dir, "readme", "tsconfig.json")], dir);
    out.push(`README: ${blocks.length} TypeScript blocks type-check under strict (${blocks.join(", ")})`);
    console.log(out.join("\n"));
    results.push({
      cell: `moleculer ${cell.moleculer} + moleculer-web ${cell.web}, Node ${cell.node}`,
      result: "pass",
    });
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
console.log("\nmatrix:");
for (const r of results) console.log(`  ${r.result}  ${r.cell}`);
console.log(`${results.length} passed, 0 failed`);
