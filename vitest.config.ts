import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // LiteSVM and SQLite are native and CPU-bound; two cores on CI machines.
    pool: "forks",
    maxWorkers: 2,
  },
});
