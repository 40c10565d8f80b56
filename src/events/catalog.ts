/**
 * The event catalog: for each event type its payload schema (validated at
 * every boundary: store, JSON lines, scenario files, GraphQL) and a one-line
 * description in kernel terms. One entry per type of `EventDataByType`.
 *
 * Wire form (JSON): addresses and lengths are decimal strings (u64 does not
 * fit a JSON number); input also accepts safe integers and `0x` hex strings.
 */
import { z } from "zod";
import { bigintReplacer } from "../bigint-json.ts";
import type { ChainKind, EventDataByType, EventType, RaceEvent } from "./types.ts";

const U64_MAX = (1n << 64n) - 1n;

/** A byte address or length: decimal or 0x-hex string, or a non-negative safe integer. */
export const bytes = z
  .union([z.string(), z.number()])
  .transform((v, ctx): bigint => {
    const parsed = parseU64(v);
    if (parsed === null) {
      ctx.addIssue({ code: "custom", message: `expected a non-negative 64-bit integer, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return parsed;
  });

export function parseU64(v: string | number): bigint | null {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  const s = v.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) return null;
  const n = BigInt(s);
  return n <= U64_MAX ? n : null;
}

const bytenr = bytes.nullable();
const optBytes = bytes.nullable().default(null);
/** A count, id or flag word: a non-negative safe integer. */
export const int = z.number().int().nonnegative();
/** A task's pid; negative for a per-CPU task without a pid of its own (DOMAIN.md §6.1: a CPU's unknown task, −(1+N)). */
const pid = z.number().int().min(-(2 ** 31));
/**
 * A field added after events were stored (the block group `flags` and chunk `type`
 * some tracepoints print, issue 14): absent in older rows and payloads, it reads null.
 */
const optInt = int.nullable().default(null);
const empty = z.object({}).strict();
const stripe = z.object({ devid: int, physical: bytes }).strict();

type SchemaFor<T extends EventType> = z.ZodType<EventDataByType[T], unknown>;

export interface EventTypeEntry<T extends EventType> {
  readonly schema: SchemaFor<T>;
  readonly doc: string;
  /** Observations never change state; they are cross-checked (DOMAIN.md §4.7). */
  readonly observation?: true;
}

/** Payload schemas and docs. `satisfies` makes a missing or extra type a compile error. */
export const EVENT_CATALOG = {
  unused_bg_check: {
    schema: z.object({ bytenr, outcome: z.enum(["proceed", "skip"]).default("proceed"), used: optBytes, flags: optInt }).strict(),
    doc: "btrfs_delete_unused_bgs: the cleaner checks whether block group bytenr is unused (recorded outcome)",
  },
  set_ro: {
    schema: z.object({ bytenr, flag: z.boolean().default(false) }).strict(),
    doc: "btrfs_inc_block_group_ro: make block group read-only (ro += 1; flag: 4.1-era ro = 1)",
  },
  clear_ro: {
    schema: z.object({ bytenr, flag: z.boolean().default(false) }).strict(),
    doc: "btrfs_dec_block_group_ro: ro -= 1 (flag: 4.1-era btrfs_set_block_group_rw, ro = 0)",
  },
  relocate_chunk: { schema: z.object({ bytenr }).strict(), doc: "btrfs_relocate_chunk: balance starts relocating a chunk" },
  relocate_bg: { schema: z.object({ bytenr }).strict(), doc: "btrfs_relocate_block_group: extents moved out; used = 0" },
  remove_chunk: {
    schema: z.object({ bytenr }).strict(),
    doc: "btrfs_remove_chunk: needs the chunk's extent map (ASSERT in volumes.c otherwise); deletes dev extents",
  },
  chunk_free: { schema: z.object({ bytenr, len: optBytes, type: optInt }).strict(), doc: "btrfs_chunk_free tracepoint: chunk item deleted" },
  remove_block_group: {
    schema: z.object({ bytenr, flags: optInt }).strict(),
    doc: "btrfs_remove_block_group: block group leaves the cache tree; its extent map is dropped",
  },
  trim_bg: { schema: z.object({ bytenr }).strict(), doc: "btrfs_trim_block_group: fstrim starts trimming a block group" },
  trim_bg_end: { schema: z.object({ bytenr }).strict(), doc: "end of btrfs_trim_block_group (put/unfreeze)" },
  discard_start: {
    schema: z.object({ bytenr, len: optBytes, devid: int.nullable().default(null), physical: optBytes }).strict(),
    doc: "do_trimming: a free range is hidden and discarded on the device",
  },
  discard_end: { schema: z.object({ bytenr: bytenr.default(null) }).strict(), doc: "do_trimming returns: the range is free again" },
  chunk_alloc: {
    schema: z
      .object({ bytenr, len: optBytes, type: int.nullable().default(null), stripes: z.array(stripe).nullable().default(null) })
      .strict(),
    doc: "btrfs_chunk_alloc tracepoint: a new chunk and its device extents",
  },
  bg_create: {
    schema: z.object({ bytenr, len: optBytes, flags: int.nullable().default(null) }).strict(),
    doc: "btrfs_make_block_group: phase 1 of block group creation (item not yet inserted)",
  },
  bg_items_insert: { schema: empty, doc: "btrfs_create_pending_block_groups: phase 2, items of the task's new block groups inserted" },
  bg_alloc: {
    schema: z.object({ bytenr, start: optBytes, len: optBytes, flags: optInt }).strict(),
    doc: "btrfs_reserve_extent tracepoint: an extent reserved in the block group, which becomes dirty (flags: its type and profile, when printed)",
  },
  commit_start: { schema: empty, doc: "btrfs_commit_transaction starts" },
  writeout_early: { schema: empty, doc: "btrfs_start_dirty_block_groups: non-critical cache writeout" },
  writeout_critical: { schema: empty, doc: "btrfs_write_dirty_block_groups: writeout in the commit's critical section" },
  writeout_end: { schema: empty, doc: "exit of a writeout pass" },
  write_cache_group: {
    schema: z.object({ bytenr }).strict(),
    doc: "write_one_cache_group / update_block_group_item: needs the block group item (-ENOENT otherwise)",
  },
  commit_done: { schema: z.object({ gen: int.nullable().default(null) }).strict(), doc: "btrfs_transaction_commit tracepoint" },
  scrub_dev_extent: {
    schema: z.object({ bytenr, devid: int.nullable().default(null), physical: optBytes }).strict(),
    doc: "scrub_enumerate_chunks finds a dev extent in the commit root",
  },
  scrub_chunk: {
    schema: z.object({ bytenr }).strict(),
    doc: "scrub_chunk: needs the chunk's extent map (-EINVAL to user space otherwise)",
  },
  eb_write: { schema: z.object({ bytenr, len: optBytes }).strict(), doc: "a metadata block written at logical bytenr" },
  assert_fail: { schema: empty, doc: "observation: assfail / btrfs_assertfail in the recording", observation: true },
  trans_abort: { schema: empty, doc: "observation: __btrfs_abort_transaction in the recording", observation: true },
  trace_gap: {
    schema: z.object({ cpu: int.nullable().default(null), lost: int.nullable().default(null) }).strict(),
    doc: "lost events or a CPU buffer start: the trace may hide a race here",
    observation: true,
  },
} satisfies { [T in EventType]: EventTypeEntry<T> };

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export function isEventType(t: string): t is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOG, t);
}

export const CHAIN_KINDS: readonly ChainKind[] = ["relocation", "deletion", "trim", "scrub", "creation"];

const origin = z
  .object({
    line: int.min(1).nullable().default(null),
    lineSeq: int.default(0),
    pid,
    comm: z.string().nullable().default(null),
    cpu: int.nullable().default(null),
    ts: bytes.nullable().default(null),
  })
  .strict();

const chain = z.object({ id: int, kind: z.enum(CHAIN_KINDS as [ChainKind, ...ChainKind[]]) }).strict();

/** A problem with one field of one event, for a one-line message. */
export class EventValidationError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "EventValidationError";
  }
}

function firstIssue(prefix: string, error: z.ZodError): EventValidationError {
  const issue = error.issues[0];
  const path = issue ? issue.path.map(String).join(".") : "";
  const field = path ? `${prefix}.${path}` : prefix;
  const message = issue?.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}` : (issue?.message ?? "invalid");
  return new EventValidationError(field, message);
}

/**
 * Validates an event in wire form (as parsed from JSON) and returns the domain
 * event. Throws EventValidationError naming the first bad field.
 */
export function decodeEvent(input: unknown): RaceEvent {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new EventValidationError("event", "expected an object");
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!["type", "data", "origin", "chain"].includes(key)) throw new EventValidationError(key, "unknown field");
  }
  const type = raw.type;
  if (typeof type !== "string") throw new EventValidationError("type", "missing event type");
  if (!isEventType(type)) throw new EventValidationError("type", `unknown event type "${type}"`);
  const entry: EventTypeEntry<EventType> = EVENT_CATALOG[type];
  const data = entry.schema.safeParse(raw.data ?? {});
  if (!data.success) throw firstIssue("data", data.error);
  const o = origin.safeParse(raw.origin ?? {});
  if (!o.success) throw firstIssue("origin", o.error);
  const c = raw.chain === undefined || raw.chain === null ? { success: true as const, data: null } : chain.safeParse(raw.chain);
  if (!c.success) throw firstIssue("chain", c.error);
  return { type, data: data.data, origin: o.data, chain: c.data } as RaceEvent;
}


/** The wire form of an event (plain JSON values). */
export function encodeEvent(event: RaceEvent): { type: string; data: unknown; origin: unknown; chain: unknown } {
  return JSON.parse(JSON.stringify({ type: event.type, data: event.data, origin: event.origin, chain: event.chain }, bigintReplacer));
}
