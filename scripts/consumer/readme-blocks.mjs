// The README's TypeScript blocks, one file each, for `tsc` under `strict` in a consumer cell (with
// that cell's moleculer and moleculer-web typings). A block that is not a whole module says so in
// its info string, ```ts fragment, and is skipped; every other ```ts block must compile as is.
import fs from "node:fs";
import path from "node:path";

/** The ```ts blocks of `markdown` not marked `fragment`: [{ name, code }], named after their heading. */
export function typescriptBlocks(markdown) {
  const blocks = [];
  let heading = "top";
  const counts = new Map();
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const title = /^#+\s+(.*)$/.exec(lines[i]);
    if (title) heading = title[1];
    if (!lines[i].startsWith("```")) continue;
    const end = lines.indexOf("```", i + 1);
    const fence = /^```(ts|typescript)(\s.*)?$/.exec(lines[i]);
    if (!fence) {
      i = end; // another language: its lines are no headings
      continue;
    }
    const slug = heading
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "");
    const n = (counts.get(slug) ?? 0) + 1;
    counts.set(slug, n);
    if (!/\bfragment\b/.test(fence[2] ?? "")) {
      blocks.push({ name: `${slug}-${n}`, code: lines.slice(i + 1, end).join("\n") });
    }
    i = end;
  }
  return blocks;
}

/** Writes the blocks of `readme` and a strict tsconfig into `dir`; returns the blocks' names. */
export function writeReadmeBlocks(readme, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const blocks = typescriptBlocks(fs.readFileSync(readme, "utf8"));
  for (const { name, code } of blocks) {
    // `export {}` keeps each block a module of its own, whatever it declares.
    fs.writeFileSync(path.join(dir, `${name}.ts`), `${code}\nexport {};\n`);
  }
  const compilerOptions = {
    target: "ES2022",
    module: "node16",
    moduleResolution: "node16",
    lib: ["ES2022"],
    types: ["node"],
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
  };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
  return blocks.map((b) => b.name);
}
