/**
 * Lines of tracepoints the mapping table maps to nothing are read no further
 * than their name (tokenize/flat.ts `quiet`), yet a malformed one is refused
 * exactly as before: the same messages as the full reading, which a table
 * that keeps nothing quiet gives.
 */
import { TraceImporter, InvalidLineError } from "../../src/ftrace/importer.ts";
import { tokenizeFlat } from "../../src/ftrace/tokenize/flat.ts";
import { table } from "./helpers.ts";

const quiet = (name: string) => table.tracepoints.get(name)?.kind !== "event";
const noise = (prefix: string) => `${prefix} btrfs_space_reservation: 8f11b857-6dc8-4e65-917e-0118b0a1a4d3: space_info: 4 reserve 16384`;

test("a well-formed noise tracepoint line is a quiet record named by its tracepoint", () => {
  expect(tokenizeFlat(noise("              dd-1639    [000] ...1.   281.693063:"), quiet)).toEqual({ kind: "quiet", name: "btrfs_space_reservation" });
  // an unknown tracepoint too; a mapped one and an annotation are read whole
  expect(tokenizeFlat("  dd-1  [000] ....  1.0: some_new_tracepoint: a=1", quiet)).toEqual({ kind: "quiet", name: "some_new_tracepoint" });
  expect(tokenizeFlat("  dd-1  [000] ....  1.0: tracing_mark_write: bgr: args bytenr=4096", quiet).kind).toBe("print");
  expect(tokenizeFlat("  dd-1  [000] ....  1.0: tracing_mark_write:  \t bgr: args bytenr=4096", quiet).kind).toBe("print");
  expect(tokenizeFlat("  dd-1  [000] ....  1.0: btrfs_chunk_free: 8f11b857-6dc8-4e65-917e-0118b0a1a4d3: root=3(CHUNK_TREE) offset=1 size=2 num_stripes=1 sub_stripes=1 type=DATA", quiet).kind).toBe("tracepoint");
});

test.each([
  ["a timestamp with ten fraction digits", noise("  dd-1  [000] ....  1.0123456789:"), /bad timestamp 1\.0123456789/],
  ["a pid out of range", noise("  dd-99999999999  [000] ....  1.0:"), /pid 99999999999 out of range/],
  ["bytes that are not UTF-8 in the body", noise("  dd-1  [000] ....  1.0:") + "\uFFFD", /not UTF-8 outside the task name/],
  ["not an ftrace line", "btrfs_space_reservation: x", /not an ftrace line/],
])("%s: refused as the full reading refuses it", (_what, line, message) => {
  const read = (q: (name: string) => boolean) => {
    try {
      tokenizeFlat(line, q);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  expect(read(quiet)).toMatch(message);
  expect(read(quiet)).toBe(read(() => false));
});

test("the importer counts quiet lines of an unknown tracepoint as unmapped, and as noise", () => {
  const imp = new TraceImporter({ table });
  imp.push("# tracer: nop", 1);
  imp.push("  dd-1  [000] ....  1.0: some_new_tracepoint: a=1", 2);
  imp.push(noise("  dd-1  [000] ....  1.1:"), 3);
  expect(() => imp.push(noise("  dd-1  [000] ....  1.0123456789:"), 4)).toThrow(InvalidLineError);
  imp.finish();
  const r = imp.buildReport();
  expect(r.unmapped).toEqual({ some_new_tracepoint: 1 });
  expect(r.lineBuckets!.byName.some_new_tracepoint).toEqual({ events: 0, context: 0, noise: 1 });
  expect(r.lineBuckets!.byName.btrfs_space_reservation).toEqual({ events: 0, context: 0, noise: 1 });
});

test("a tracepoint named like an object's own keys is counted under its name", () => {
  const imp = new TraceImporter({ table });
  imp.push("# tracer: nop", 1);
  imp.push("  dd-1  [000] ....  1.0: __proto__: a=1", 2);
  imp.push("  dd-1  [000] ....  1.1: __proto__: a=2", 3);
  imp.push("  dd-1  [000] ....  1.2: constructor: a=3", 4);
  imp.finish();
  const r = imp.buildReport();
  expect(Object.entries(r.unmapped)).toEqual([
    ["__proto__", 2],
    ["constructor", 1],
  ]);
  expect(JSON.parse(JSON.stringify(r.unmapped))).toEqual(JSON.parse('{"__proto__": 2, "constructor": 1}'));
});
