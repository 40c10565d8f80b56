/**
 * Format detection from a trace's header and first content line (DOMAIN.md
 * §6.1), pure. `--format` narrows it: `ftrace` (trace file or trace_pipe,
 * flat or graph), `trace-cmd`, `jsonl`; `auto` tries all.
 */
import { LineError } from "./records.ts";
import { parseFlatPrefix } from "./tokenize/flat.ts";
import { isGraphColumnHeader, layoutFromHeader, type GraphLayout } from "./tokenize/graph.ts";

export const FORMAT_OPTIONS = ["auto", "ftrace", "trace-cmd", "jsonl"] as const;
export type FormatOption = (typeof FORMAT_OPTIONS)[number];

export type Detected =
  | { readonly kind: "flat"; readonly format: "ftrace-function" | "ftrace-nop" }
  | { readonly kind: "graph"; readonly format: "ftrace-function_graph"; readonly layout: GraphLayout | null }
  | { readonly kind: "trace-cmd"; readonly format: "trace-cmd" }
  | { readonly kind: "jsonl"; readonly format: "jsonl" };

// `# tracer: function_graph`
const TRACER = /^#\s*tracer:\s*(\S+)/;
// trace-cmd report starts with `cpus=2` (and some versions `version = 6`)
const TRACE_CMD_HEAD = /^\s*(cpus=\d+|version = \S+)\s*$/;
// trace-cmd event names that the ftrace `trace` file never prints as such
const TRACE_CMD_BODY = /^(function|funcgraph_entry|funcgraph_exit|bprint|bputs|print):\s/;
// graph line starts: ` 0)`, `  281.693063 |   0)`, ` ------…`
const GRAPH_START = /^(?:\s*\d+\.\d+ \|)?\s*\d+\)|^\s*-{10,}\s*$/;

/** Thrown for a header that names a tracer racelab does not read. */
export class UnsupportedTracer extends LineError {}

/**
 * Decides the format from the `#` header lines seen before the first content
 * line and that line. Throws LineError (for the content line) or
 * UnsupportedTracer (for the header line) when nothing fits.
 */
export function detectFormat(headers: readonly string[], first: string, forced: FormatOption): Detected {
  const tracerLine = headers.find((h) => TRACER.test(h));
  const tracer = tracerLine ? TRACER.exec(tracerLine)![1]! : null;
  if (tracer !== null && forced !== "jsonl" && forced !== "trace-cmd") {
    if (tracer === "function") return { kind: "flat", format: "ftrace-function" };
    if (tracer === "nop") return { kind: "flat", format: "ftrace-nop" };
    if (tracer === "function_graph") {
      const cols = headers.find(isGraphColumnHeader);
      return { kind: "graph", format: "ftrace-function_graph", layout: cols ? layoutFromHeader(cols) : null };
    }
    throw new UnsupportedTracer(`unsupported tracer "${tracer}" (racelab reads function, function_graph and nop)`);
  }
  const trimmed = first.trimStart();
  if (forced === "jsonl" || (forced === "auto" && trimmed.startsWith("{"))) return { kind: "jsonl", format: "jsonl" };
  if (forced === "trace-cmd" || (forced === "auto" && TRACE_CMD_HEAD.test(first))) return { kind: "trace-cmd", format: "trace-cmd" };
  if (GRAPH_START.test(first)) return { kind: "graph", format: "ftrace-function_graph", layout: null };
  const flat = safePrefix(first);
  if (flat) {
    if (forced === "auto" && TRACE_CMD_BODY.test(flat.body)) return { kind: "trace-cmd", format: "trace-cmd" };
    return { kind: "flat", format: flat.body.includes(" <-") ? "ftrace-function" : "ftrace-nop" };
  }
  throw new LineError(
    forced === "auto"
      ? "unrecognised trace format (expected an ftrace trace/trace_pipe, trace-cmd report or racelab JSON lines)"
      : `not ${forced} output`,
  );
}

function safePrefix(text: string) {
  try {
    return parseFlatPrefix(text);
  } catch {
    return null;
  }
}
