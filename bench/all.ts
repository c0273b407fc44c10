/**
 * `npm run bench`: every benchmark in turn, each in its own process, whatever
 * the one before it found. A benchmark exits non-zero when a target it
 * measures is missed; the summary at the end lists which, and this exits
 * non-zero when any did.
 *
 *   npm run bench
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const BENCHES: readonly (readonly [string, ...string[]])[] = [
  ["cu.ts"],
  ["ingest.ts"],
  ["localnet.ts", "--ledger-cost"],
  ["footprint.ts"],
  ["bundle.ts"],
  ["backfill.ts"],
  ["analytics.ts"],
];

const results: { name: string; status: string; seconds: number }[] = [];
for (const [file, ...args] of BENCHES) {
  process.stderr.write(`\n=== bench/${file} ${args.join(" ")}\n`);
  const t = performance.now();
  const r = spawnSync(process.execPath, [...process.execArgv, join(here, file), ...args], { stdio: "inherit" });
  const exitCode = r.status;
  const status = r.error ? `did not run: ${r.error.message}` : exitCode === 0 ? "targets met" : r.signal ? `killed by ${r.signal}` : "a target missed";
  results.push({ name: `${file} ${args.join(" ")}`.trim(), status, seconds: (performance.now() - t) / 1000 });
}
console.log("\n| benchmark | result | seconds |");
console.log("| --- | --- | ---: |");
for (const r of results) console.log(`| ${r.name} | ${r.status} | ${r.seconds.toFixed(0)} |`);
if (results.some((r) => r.status !== "targets met")) process.exitCode = 1;
