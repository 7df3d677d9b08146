import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../helpers/process";

/*
 * The README as a user reads it: short, its contents and links leading somewhere, its Quick start
 * the minimal example verbatim (which `npm run test:consumer` starts on the matrix), its set-up
 * commands those CI runs. Its TypeScript blocks are compiled by the consumer test, with each cell's
 * typings (scripts/consumer/readme-blocks.mjs).
 */

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const readme = read("README.md");

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

const anchorsOf = (markdown: string) =>
  new Set([...markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#+ (.*)$/gm)].map(([, h]) => slug(h)));

/** The fenced blocks of `markdown`: [info string, body]. */
const blocks = (markdown: string) =>
  [...markdown.matchAll(/^```(.*)\n([\s\S]*?)^```$/gm)].map(([, info, body]) => [info, body]);

describe("README.md", () => {
  it("is short enough to read (about 250 lines)", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(260);
  });

  it("has a table of contents whose entries are its own headings", () => {
    const contents = readme.slice(
      readme.indexOf("## Contents"),
      readme.indexOf("\n## ", readme.indexOf("## Contents") + 1),
    );
    const entries = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map(([, anchor]) => anchor);
    expect(entries.length).toBeGreaterThanOrEqual(6);
    const anchors = anchorsOf(readme);
    for (const entry of entries) expect(anchors).toContain(entry);
  });

  it.each(["README.md", ...readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`)])(
    "%s links only to files and headings that exist",
    (file) => {
      const text = read(file);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [where, anchor] = target.split("#");
        const linked = where === "" ? file : path.join(path.dirname(file), where);
        expect(`${file} -> ${target}: ${existsSync(path.join(ROOT, linked))}`).toBe(
          `${file} -> ${target}: true`,
        );
        if (anchor !== undefined && linked.endsWith(".md")) {
          expect(`${file} -> ${target}: ${anchorsOf(read(linked)).has(anchor)}`).toBe(
            `${file} -> ${target}: true`,
          );
        }
      }
    },
  );

  it("shows examples/minimal-js verbatim in the Quick start, every file of it", () => {
    const example = "examples/minimal-js";
    const shown = blocks(readme)
      .map(([, body]) => /^\/\/ (\S+)\n/.exec(body))
      .filter((m): m is RegExpExecArray => m !== null && existsSync(path.join(ROOT, example, m[1])));
    const files = [
      "moleculer.config.js",
      ...readdirSync(path.join(ROOT, example, "services")).map((f) => `services/${f}`),
    ];
    expect(shown.map((m) => m[1]).sort()).toEqual(files.sort());
    for (const match of shown) expect(match.input).toBe(read(path.join(example, match[1])));
  });

  it("gives the minimal example's start script as the command that sets it", () => {
    const start = JSON.parse(read("examples/minimal-js/package.json")).scripts.start;
    expect(readme).toContain(`npm pkg set scripts.start="${start}"`);
  });

  it("gives the two set-up commands, and CI runs the second one", () => {
    expect(readme).toMatch(
      /^npm ci && SHARED_SECRET=\$\(openssl rand -hex 32\) npm start +# runs the app on 127\.0\.0\.1:3000$/m,
    );
    expect(readme).toMatch(/^npm ci && npm test +# type check, lint, all tests$/m);
    expect(read(".ci/run")).toMatch(/^npm test$/m);
  });
});
