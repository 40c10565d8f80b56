/**
 * Helpers for the ftrace importer tests: fixture paths, parsing a text with
 * the default mapping table, and a compact view of events to compare with.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RaceEvent } from "../../src/events/types.ts";
import { parseTrace } from "../../src/ftrace/importer.ts";
import { loadMapTable } from "../../src/ftrace/map-load.ts";
import type { FormatOption } from "../../src/ftrace/detect.ts";

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
/** The real 6.1 logs, in `shared/traces` beside the repository. */
export const SHARED_TRACES = fileURLToPath(new URL("../../../shared/traces", import.meta.url));

export function fixture(rel: string): string {
  return path.join(FIXTURES, rel);
}

export function readFixture(rel: string): string {
  return readFileSync(fixture(rel), "utf8");
}

export const table = loadMapTable([], {});

export function parse(text: string, opts: { format?: FormatOption; skipInvalid?: boolean } = {}) {
  return parseTrace(text, { table, ...opts });
}

/** `line.seq pid type bytenr [chain-kind]`: the parts of an event the binding rules decide. */
export function brief(e: RaceEvent): string {
  const d = e.data as Record<string, unknown>;
  const b = "bytenr" in d ? ` ${d.bytenr === null ? "null" : String(d.bytenr)}` : "";
  const c = e.chain ? ` ${e.chain.kind}` : "";
  return `${e.origin.line}.${e.origin.lineSeq} ${e.origin.pid} ${e.type}${b}${c}`;
}

/** Flat 5.x lines for inline traces: `line(pid, comm, body)`. */
export function flat(lines: readonly [comm: string, pid: number, body: string][]): string {
  const head = "# tracer: function\n#\n";
  return (
    head +
    lines
      .map(([comm, pid, body], i) => `${`${comm}-${pid}`.padStart(20)}     [000] .....   ${(100 + i / 1000).toFixed(6)}: ${body}`)
      .join("\n") +
    "\n"
  );
}

/** Distinct chain ids of `events`, in order of appearance. */
export function chainIds(events: readonly RaceEvent[]): number[] {
  const ids: number[] = [];
  for (const e of events) if (e.chain && !ids.includes(e.chain.id)) ids.push(e.chain.id);
  return ids;
}
