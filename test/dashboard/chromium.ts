/**
 * A real headless Chromium for the dashboard tests: Debian's `chromium`
 * package, driven by playwright-core. Where it is missing and this is root on
 * a machine with apt, it is installed here (as the C toolchain is); otherwise
 * the run stops with one line saying what to run. No test is skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Installs Chromium when missing and allowed; throws one line saying what to run otherwise. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = spawnSync("/bin/sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!root || !apt) throw new Error(`missing ${CHROMIUM}: run \`sudo apt-get install -y chromium\` (Debian/Ubuntu), then the tests again`);
  process.stderr.write("installing Chromium for the dashboard tests: apt-get install -y chromium\n");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "chromium"], { stdio: "inherit", env });
  if (!existsSync(CHROMIUM)) throw new Error(`still no ${CHROMIUM} after apt-get install chromium`);
}

/** Starts headless Chromium with a fresh profile under `tmpRoot` (the caller removes it); no network but what the page asks for. */
export async function launchChromium(tmpRoot: string): Promise<BrowserContext> {
  ensureChromium();
  mkdirSync(tmpRoot, { recursive: true });
  const profile = mkdtempSync(join(tmpRoot, "chromium-profile-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
