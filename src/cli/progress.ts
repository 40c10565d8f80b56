/**
 * Progress on stderr for the CLI's long jobs (import, check, snapshot builds,
 * explore), on a terminal only: a cli-progress bar that appears once the job
 * has run for a second (shorter jobs show nothing), starts over at each new
 * phase, and is cleared when the job ends. Elsewhere (a pipe, a file, a test)
 * nothing is written.
 */
import type { Writable } from "node:stream";
import cliProgress from "cli-progress";

export interface ProgressBar {
  /** `done` of `total` in `phase` (a new phase starts the bar over); `detail` follows the percentage. */
  update(phase: string, done: number, total: number, detail?: string): void;
  /** Clears the bar; idempotent. */
  stop(): void;
}

/** Jobs shorter than this show no bar. */
export const PROGRESS_DELAY_MS = 1000;

/** A bar on `stream` when it is a terminal (and not `quiet`), else null. */
export function terminalProgress(
  stream: Writable & { isTTY?: boolean },
  opts: { quiet?: boolean; delayMs?: number } = {},
): ProgressBar | null {
  if (opts.quiet || !stream.isTTY) return null;
  const startedAt = Date.now();
  const delayMs = opts.delayMs ?? PROGRESS_DELAY_MS;
  let bar: cliProgress.SingleBar | null = null;
  let current: string | null = null;
  return {
    update(phase, done, total, detail = `${done}/${total}`) {
      if (bar === null) {
        if (Date.now() - startedAt < delayMs) return;
        bar = new cliProgress.SingleBar(
          {
            stream: stream as NodeJS.WritableStream,
            format: "{phase} |{bar}| {percentage}% | {detail}",
            hideCursor: true,
            clearOnComplete: true,
            fps: 5,
          },
          cliProgress.Presets.shades_classic,
        );
      }
      const payload = { phase, detail };
      if (phase !== current) {
        if (current !== null) bar.stop();
        bar.start(Math.max(1, total), done, payload);
        current = phase;
      } else {
        bar.setTotal(Math.max(1, total));
        bar.update(done, payload);
      }
    },
    stop() {
      bar?.stop();
      bar = null;
      current = null;
    },
  };
}
