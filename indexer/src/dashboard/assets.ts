/**
 * The dashboard's files: the page and its ES modules from `indexer/web/`
 * (shipped in the npm package beside `dist/`), and the charting library
 * (uPlot) from its own installed package, resolved at run time. Nothing is
 * fetched from anywhere else: the page's Content-Security-Policy allows only
 * this server.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One file to serve. */
export interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

// From src/dashboard/ and from dist/dashboard/ alike, the page lives in the package's web/.
const WEB = fileURLToPath(new URL("../../web/", import.meta.url));
const UPLOT = dirname(createRequire(import.meta.url).resolve("uplot/package.json"));

const FILES: Readonly<Record<string, { readonly path: string; readonly type: string }>> = {
  "": { path: join(WEB, "index.html"), type: "text/html; charset=utf-8" },
  "app.js": { path: join(WEB, "app.js"), type: "text/javascript; charset=utf-8" },
  "format.js": { path: join(WEB, "format.js"), type: "text/javascript; charset=utf-8" },
  "style.css": { path: join(WEB, "style.css"), type: "text/css; charset=utf-8" },
  "uplot.js": { path: join(UPLOT, "dist/uPlot.esm.js"), type: "text/javascript; charset=utf-8" },
  "uplot.css": { path: join(UPLOT, "dist/uPlot.min.css"), type: "text/css; charset=utf-8" },
  "favicon.svg": { path: join(WEB, "favicon.svg"), type: "image/svg+xml" },
};

/** Security headers of every dashboard file: this origin only. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
};

const cache = new Map<string, Asset>();

/** The asset named `name` (`""` is the page; others live under `/assets/`), or undefined. */
export function dashboardAsset(name: string): Asset | undefined {
  const f = FILES[name];
  if (!f) return undefined;
  let a = cache.get(name);
  if (!a) {
    a = { contentType: f.type, body: readFileSync(f.path) };
    cache.set(name, a);
  }
  return a;
}

/** Names of every asset (for tests and the package check). */
export const DASHBOARD_ASSETS: readonly string[] = Object.keys(FILES);
