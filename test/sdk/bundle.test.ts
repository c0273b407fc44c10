import { describe, expect, it } from "vitest";
import { build } from "esbuild";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("../../sdk/src/index.ts", import.meta.url));
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("browser bundle", () => {
  it("Given sdk/src/index.ts, When bundled by esbuild for the browser, Then it builds and pulls in no Node built-in and none of our Node-only code", async () => {
    const imported: string[] = [];
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [
        {
          name: "record-imports",
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) => {
              imported.push(args.path);
              return undefined;
            });
          },
        },
      ],
    });
    expect(result.errors).toEqual([]);
    // "buffer" resolves to the npm polyfill in a browser build (web3.js depends on it); other built-ins must not appear.
    const builtins = imported.filter((p) => NODE_BUILTINS.has(p) && p !== "buffer");
    expect(builtins).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => /better-sqlite3|(^|\/)localnet\/|(^|\/)indexer\/|litesvm|(^|\/)ws\//.test(p))).toEqual([]);
    expect(inputs.some((p) => p.endsWith("node_modules/buffer/index.js"))).toBe(true);
  });
});
