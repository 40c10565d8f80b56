/**
 * Empty payloads of every event type (all arguments unknown) and how each
 * payload key reads from text. The importer fills these; `satisfies` makes a
 * type added to `EventDataByType` a compile error here until it is listed.
 */
import type { EventDataByType, EventType } from "../events/types.ts";

export const EMPTY_DATA = {
  unused_bg_check: { bytenr: null, outcome: "proceed", used: null, flags: null },
  set_ro: { bytenr: null, flag: false },
  clear_ro: { bytenr: null, flag: false },
  relocate_chunk: { bytenr: null },
  relocate_bg: { bytenr: null },
  remove_chunk: { bytenr: null },
  chunk_free: { bytenr: null, len: null, type: null },
  remove_block_group: { bytenr: null, flags: null },
  trim_bg: { bytenr: null },
  trim_bg_end: { bytenr: null },
  discard_start: { bytenr: null, len: null, devid: null, physical: null },
  discard_end: { bytenr: null },
  chunk_alloc: { bytenr: null, len: null, type: null, stripes: null },
  bg_create: { bytenr: null, len: null, flags: null },
  bg_items_insert: {},
  bg_alloc: { bytenr: null, start: null, len: null, flags: null },
  commit_start: {},
  writeout_early: {},
  writeout_critical: {},
  writeout_end: {},
  write_cache_group: { bytenr: null },
  commit_done: { gen: null },
  scrub_dev_extent: { bytenr: null, devid: null, physical: null },
  scrub_chunk: { bytenr: null },
  eb_write: { bytenr: null, len: null },
  assert_fail: {},
  trans_abort: {},
  trace_gap: { cpu: null, lost: null },
} as const satisfies { [T in EventType]: EventDataByType[T] };

/** A fresh mutable payload of `type` with every argument unknown. */
export function emptyData(type: EventType): Record<string, unknown> {
  return { ...EMPTY_DATA[type] };
}

/** Keys of `type`'s payload. */
export function dataKeys(type: EventType): readonly string[] {
  return Object.keys(EMPTY_DATA[type]);
}

/** How a payload key reads from a tracepoint token. */
export type ValueKind = "u64" | "int" | "flags" | "outcome" | "boolean" | "stripes";

export const KEY_KINDS: Readonly<Record<string, ValueKind>> = {
  bytenr: "u64",
  len: "u64",
  start: "u64",
  physical: "u64",
  used: "u64",
  devid: "int",
  gen: "int",
  cpu: "int",
  lost: "int",
  flags: "flags",
  type: "flags",
  outcome: "outcome",
  flag: "boolean",
  stripes: "stripes",
};
