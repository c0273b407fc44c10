import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources in tests (as tsconfig's
// `paths` does for tsc and tsx); the built packages are tested as users install
// them, by test/packages.
const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@gpunet\/idl$/, replacement: source("./programs-idl/index.ts") },
      { find: /^@gpunet\/sdk$/, replacement: source("./sdk/src/index.ts") },
      { find: /^@gpunet\/sdk\/kit$/, replacement: source("./sdk/src/kit/index.ts") },
      { find: /^@gpunet\/sdk\/helius$/, replacement: source("./sdk/src/helius/index.ts") },
      { find: /^@gpunet\/localnet$/, replacement: source("./localnet/src/index.ts") },
      { find: /^@gpunet\/indexer$/, replacement: source("./indexer/src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // LiteSVM and SQLite are native and CPU-bound; two cores on CI machines.
    pool: "forks",
    maxWorkers: 2,
  },
});
