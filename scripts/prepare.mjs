#!/usr/bin/env node
// The `prepare` script. npm runs it on `npm install` / `npm ci` in this folder, and in the clone when
// a project installs this package as a git dependency (after installing the clone's devDependencies):
// both need dist/, so it builds. It builds nothing where TypeScript is not installed
// (`npm ci --omit=dev`, which needs no dist/), nor for `npm pack` / `npm publish`, whose `prepack`
// has just built it.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const command = process.env.npm_command;
if (command === "pack" || command === "publish") process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.log("prepare: TypeScript is not installed (npm ci --omit=dev?), dist/ not built");
  process.exit(0);
}
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
