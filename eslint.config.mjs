// One lint and format setup for the whole repository, the policy pack included.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "bin/**", "dist/**", "test-output/**", "bench/results/**", "scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    // Tests and fixtures build loose mocks and load programs afresh.
    files: ["tests/**/*.ts", "devkit/**/*.ts", "**/*.spec.ts", "policy/testing/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // core/ is the pure domain: no AWS SDK, no Pulumi, no HTTP server.
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@aws-sdk/*", "@pulumi/*", "aws-lambda"],
              message: "core/ is pure: AWS and Pulumi stay in adapters.",
            },
            {
              group: ["node:http", "node:https", "http", "https", "node:net"],
              message: "core/ is pure: no servers or sockets.",
            },
            {
              group: ["../components/*", "../lambdas/*", "../local/*", "../channels/*"],
              message: "core/ depends on nothing in this repository.",
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      "local/**/*.ts",
      "core/**/*.ts",
      "channels/**/*.ts",
      "components/**/*.ts",
      "lambdas/**/*.ts",
      "bench/**/*.ts",
      "devkit/**/*.ts",
    ],
    // A spec's describe() holds its tests: long by nature.
    ignores: ["**/*.spec.ts"],
    rules: { "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The CLI's launcher (package.json bin) is plain CommonJS JavaScript run by node.
    files: ["cli/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", process: "readonly", __dirname: "readonly", __filename: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
