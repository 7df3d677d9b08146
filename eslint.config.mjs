import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Node's globals, for the plain JavaScript files (configs, scripts, the consumer apps). */
const nodeGlobals = Object.fromEntries(
  [
    "console",
    "process",
    "require",
    "module",
    "exports",
    "__dirname",
    "fetch",
    "Buffer",
    "setTimeout",
    "clearTimeout",
  ].map((name) => [name, "readonly"]),
);

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "build/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ["**/*.js", "**/*.cjs", "**/*.mjs"], languageOptions: { globals: nodeGlobals } },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["error"] }],
    },
  },
  // Tests and scripts print their figures.
  { files: ["test/**", "bench/**", "scripts/**"], rules: { "no-console": "off" } },
);
