/**
 * The time axis as numbers (pure; test/web/model.test.ts runs it): a visible
 * span of the trace's time, zoomed about a point and panned within the
 * trace, and where a timestamp falls on the screen. Times are nanoseconds
 * after the trace's first timestamp, as numbers: a double holds 104 days of
 * nanoseconds exactly, far more than any trace.
 */
import { duration, timestamp } from "../../../src/events/units.ts";

export interface TimeSpan {
  /** ns after the trace's first timestamp. */
  readonly from: number;
  readonly to: number;
}

/** The narrowest span the axis zooms to (1 µs): below it ftrace's microseconds cannot place events. */
export const MIN_SPAN = 1_000;

/** The span clamped inside [0, full] and at least MIN_SPAN wide (when the trace is). */
export function clampSpan(s: TimeSpan, full: number): TimeSpan {
  const width = Math.min(Math.max(s.to - s.from, Math.min(MIN_SPAN, full)), Math.max(full, 1));
  let from = Math.max(0, Math.min(s.from, full - width));
  if (!Number.isFinite(from)) from = 0;
  return { from, to: from + width };
}

/**
 * Zoomed by `factor` (< 1 zooms in) about `anchor`, a fraction of the span's
 * width (0 = left edge, 1 = right edge): the time under the pointer stays put.
 */
export function zoom(s: TimeSpan, factor: number, anchor: number, full: number): TimeSpan {
  const width = s.to - s.from;
  const at = s.from + width * anchor;
  const next = width * factor;
  return clampSpan({ from: at - next * anchor, to: at - next * anchor + next }, full);
}

/** Moved by `fraction` of its width (negative: to earlier times). */
export function pan(s: TimeSpan, fraction: number, full: number): TimeSpan {
  const d = (s.to - s.from) * fraction;
  return clampSpan({ from: s.from + d, to: s.to + d }, full);
}

/** A span of `width` centred on `at` (the cursor's event). */
export function centred(at: number, width: number, full: number): TimeSpan {
  return clampSpan({ from: at - width / 2, to: at + width / 2 }, full);
}

/** x in pixels of a time, for an axis `px` wide. */
export function toX(t: number, s: TimeSpan, px: number): number {
  return ((t - s.from) / (s.to - s.from)) * px;
}

/** The time at x pixels. */
export function atX(x: number, s: TimeSpan, px: number): number {
  return s.from + (x / px) * (s.to - s.from);
}

/** ns after the first timestamp → absolute ns (decimal string) and back. */
export function absolute(first: bigint, t: number): bigint {
  return first + BigInt(Math.round(t));
}

export function relative(first: bigint, ts: string | bigint): number {
  return Number(BigInt(ts) - first);
}

/** `13.716279 – 14.002100 s (285.821 ms)` */
export function spanText(first: bigint, s: TimeSpan): string {
  return `${timestamp(absolute(first, s.from))} – ${timestamp(absolute(first, s.to))} s (${duration(BigInt(Math.round(s.to - s.from)))})`;
}

/**
 * Tick marks for an axis `px` wide: a round step (1, 2 or 5 × 10^n ns,
 * at least 1 µs) giving about one label every `spacing` pixels, placed on
 * round absolute times (`first` is the trace's first timestamp, in ns).
 */
export function ticks(s: TimeSpan, px: number, first: bigint, spacing = 110): number[] {
  const width = s.to - s.from;
  if (!(width > 0) || px <= 0) return [];
  const raw = Math.max(1000, (width * spacing) / px);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = BigInt([1, 2, 5, 10].map((m) => m * pow).find((x) => x >= raw) ?? 10 * pow);
  const from = absolute(first, s.from);
  const out: number[] = [];
  for (let t = ((from + step - 1n) / step) * step; relative(first, t) <= s.to; t += step) out.push(relative(first, t));
  return out;
}
