import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "../helpers/process";

/*
 * The Dockerfile and compose.yaml as data, for the tests that check them without Docker.
 */

/** One Dockerfile instruction: its stage (0 = the first FROM), keyword and arguments. */
export interface Instruction {
  readonly stage: number;
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments left out. */
export function dockerfile(file = path.join(ROOT, "Dockerfile")): Instruction[] {
  const text = readFileSync(file, "utf8").replace(/\\\n\s*/g, "");
  const instructions: Instruction[] = [];
  let stage = -1;
  for (const line of text.split("\n")) {
    const match = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (match === null) continue;
    if (match[1] === "FROM") stage++;
    instructions.push({ stage, keyword: match[1], args: match[2] });
  }
  return instructions;
}

/** An exec-form argument list (`["node", "-e", "..."]`), after an optional `CMD` of HEALTHCHECK. */
export function execForm(args: string): string[] {
  return JSON.parse(args.slice(args.indexOf("[")));
}

/** A compose.yaml service, as far as the tests read it. */
export interface ComposeService {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  secrets?: string[];
  ports?: string[];
  healthcheck?: { disable?: boolean };
  depends_on?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
}

/** compose.yaml, parsed (merge keys resolved) by js-yaml. */
export function composeFile(file = path.join(ROOT, "compose.yaml")): ComposeFile {
  const yaml = createRequire(__filename)("js-yaml") as { safeLoad(text: string): unknown };
  return yaml.safeLoad(readFileSync(file, "utf8")) as ComposeFile;
}
