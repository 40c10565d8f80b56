/**
 * Rows of imported events (`eventToRow`, the store's import path): events
 * in the importer's form take a shortcut past the catalog's schemas, which
 * must write what the schemas would and refuse what they refuse, with the
 * same message. Compared with the wire form of the same events, which always
 * goes through the schemas.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { encodeEvent, EventValidationError } from "../../src/events/catalog.ts";
import { eventToRow } from "../../src/events/codec.ts";
import type { RaceEvent } from "../../src/events/types.ts";
import { origin, varietyOfEvents } from "../helpers/events.ts";
import { parse, SHARED_TRACES } from "./helpers.ts";

/** The error `eventToRow` throws on `input`, as `field: problem`. */
function refusal(input: unknown): string {
  try {
    eventToRow(input);
  } catch (err) {
    expect(err).toBeInstanceOf(EventValidationError);
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
}

test("events of the real logs and of every payload shape: the same rows as their wire form", () => {
  const events: RaceEvent[] = [...varietyOfEvents()];
  for (const name of ["balance-events.trace", "balance-function.trace", "balance-function_graph.trace"]) {
    for (const e of parse(readFileSync(path.join(SHARED_TRACES, name), "utf8")).events) events.push(e);
  }
  expect(new Set(events.map((e) => e.type)).size).toBeGreaterThan(10);
  const asRows = (rows: ReturnType<typeof eventToRow>[]) => rows.map((r) => ({ ...r, data: JSON.parse(r.data) as unknown }));
  expect(asRows(events.map((e) => eventToRow(e)))).toEqual(asRows(events.map((e) => eventToRow(encodeEvent(e)))));
});

test("what the schemas refuse is refused, naming the field as they do; defaults still apply", () => {
  const base = { type: "bg_alloc", data: { bytenr: 4096n, start: 8192n, len: 16384n }, origin: origin({ line: 3 }), chain: null };
  const bad = (data: object) => ({ ...base, data });
  const cases: [object, RegExp][] = [
    [bad({ bytenr: 1n << 64n, start: null, len: null }), /^data\.bytenr: expected a non-negative 64-bit integer/],
    [bad({ bytenr: -1n, start: null, len: null }), /^data\.bytenr: /],
    [bad({ bytenr: 4096n, start: null, len: null, colour: "red" }), /^data: unknown field colour$/],
    [bad({ bytenr: 4096n, start: 1.5, len: null }), /^data\.start: /],
    [{ ...base, type: "commit_done", data: { gen: 1.5 } }, /^data\.gen: /],
    [{ ...base, type: "commit_done", data: { gen: -1 } }, /^data\.gen: /],
    [{ ...base, type: "unused_bg_check", data: { bytenr: 1n, outcome: "maybe", used: null } }, /^data\.outcome: /],
    [{ ...base, type: "set_ro", data: { bytenr: 1n, flag: "yes" } }, /^data\.flag: /],
    // A key only inherited is not the payload's (nor is an extra one in its place).
    [bad(Object.assign(Object.create({ bytenr: 4096n }) as object, { start: null, len: null })), /^data\.bytenr: /],
    [bad(Object.assign(Object.create({ bytenr: 4096n }) as object, { start: null, len: null, colour: 1 })), /^data(\.bytenr)?: /],
  ];
  const wire = (v: object): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));
  for (const [event, message] of cases) {
    expect(refusal(event)).toMatch(message);
    // The same words as for the wire form, which the schemas read.
    expect(refusal(event)).toBe(refusal({ ...event, data: wire((event as { data: object }).data) }));
  }
  // A key left out takes the schema's default.
  expect(JSON.parse(eventToRow(bad({ bytenr: 4096n, start: 1n })).data)).toEqual({ bytenr: "4096", start: "1", len: null, flags: null });
});
