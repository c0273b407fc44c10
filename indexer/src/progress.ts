/**
 * The backfill progress bar on stderr: done/total, rate and ETA, redrawn at
 * most every 200 ms; plain lines when stderr is not a terminal.
 */

/** Backfill progress numbers (also served by the HTTP API). */
export interface BackfillProgress {
  active: boolean;
  done: number;
  total: number;
  startedAt: number;
  /** Transactions per second since the start of this backfill. */
  rate: number;
  /** Seconds left at the current rate, null before any progress. */
  etaSeconds: number | null;
}

/** Creates an empty progress record. */
export function createBackfillProgress(): BackfillProgress {
  return { active: false, done: 0, total: 0, startedAt: 0, rate: 0, etaSeconds: null };
}

/** Recomputes rate and ETA after `done` or `total` changed. */
export function updateRate(p: BackfillProgress, now: number = Date.now()): void {
  const secs = Math.max(0.001, (now - p.startedAt) / 1000);
  p.rate = p.done / secs;
  p.etaSeconds = p.rate > 0 ? Math.max(0, (p.total - p.done) / p.rate) : null;
}

/** Formats one progress line. */
export function formatProgress(p: BackfillProgress, width = 30): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const filled = Math.round(frac * width);
  const eta = p.etaSeconds === null ? "?" : `${Math.ceil(p.etaSeconds)}s`;
  return `backfill [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} tx  ${p.rate.toFixed(0)} tx/s  ETA ${eta}`;
}

/** A throttled renderer writing to a stream (stderr by default). */
export function createProgressRenderer(stream: NodeJS.WriteStream = process.stderr, everyMs = 200): { draw(p: BackfillProgress, final?: boolean): void } {
  let last = 0;
  return {
    draw(p, final = false) {
      const now = Date.now();
      if (!final && now - last < everyMs) return;
      last = now;
      const line = formatProgress(p);
      if (stream.isTTY) stream.write(`\r${line}${final ? "\n" : ""}`);
      else if (final) stream.write(`${line}\n`);
    },
  };
}
