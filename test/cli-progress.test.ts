/**
 * The CLI's progress bar (src/cli/progress.ts): on a terminal only, and only
 * for a job that has run longer than the delay (a second by default).
 */
import { PROGRESS_DELAY_MS, terminalProgress } from "../src/cli/progress.ts";
import { textSink } from "./helpers/cli.ts";

/** A text sink that says it is a terminal, with the cursor calls cli-progress makes. */
function terminal() {
  const sink = Object.assign(textSink(), { isTTY: true, columns: 120 });
  return Object.assign(sink, {
    cursorTo: (_x: number, _y?: number, cb?: () => void) => (cb?.(), true),
    clearLine: (_dir: number, cb?: () => void) => (cb?.(), true),
    clearScreenDown: (cb?: () => void) => (cb?.(), true),
    moveCursor: (_dx: number, _dy: number, cb?: () => void) => (cb?.(), true),
    getWindowSize: () => [120, 40],
  });
}

test("not a terminal, or --quiet: no bar at all", () => {
  expect(terminalProgress(textSink())).toBeNull();
  expect(terminalProgress(terminal(), { quiet: true })).toBeNull();
});

test("a job shorter than the delay writes nothing", () => {
  const out = terminal();
  const bar = terminalProgress(out)!;
  bar.update("replaying under patched", 10, 100);
  bar.stop();
  expect(PROGRESS_DELAY_MS).toBe(1000);
  expect(out.text).toBe("");
});

test("past the delay: the phase and the percentage, a new phase starts over", () => {
  const out = terminal();
  const bar = terminalProgress(out, { delayMs: 0 })!;
  bar.update("reading events", 50_000, 200_000);
  expect(out.text).toContain("reading events |");
  expect(out.text).toContain("| 25% | 50000/200000");
  bar.update("replaying under patched", 150_000, 200_000, "150000 events");
  expect(out.text).toContain("replaying under patched |");
  expect(out.text).toContain("| 75% | 150000 events");
  bar.stop();
});
