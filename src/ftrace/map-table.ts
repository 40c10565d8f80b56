/**
 * The mapping table (DOMAIN.md §6.2) as data: kernel function and tracepoint
 * names → domain event, role, end marker or known noise, with tracepoint
 * field → payload key mappings. The default lives in `seeds/ftrace-map.json`;
 * users add files (`RACELAB_FTRACE_MAP`, `--map`). Validated here with zod
 * (pure: `compileMapTable` takes parsed JSON); reading files is `map-load.ts`.
 */
import { z } from "zod";
import { EVENT_TYPES } from "../events/catalog.ts";
import { CHAIN_KINDS_SPEC, kindsWithStep } from "../events/chains.ts";
import type { Role } from "../events/binding.ts";
import type { ChainKind, EventType } from "../events/types.ts";
import { dataKeys, KEY_KINDS } from "./event-data.ts";

/** The roles a log's functions teach (§6.2); `writer` and `committer` are only declared by scenarios. */
export const MAP_ROLES = ["balance", "cleaner", "trim", "scrub", "allocator"] as const satisfies readonly Role[];
export type { Role } from "../events/binding.ts";

const eventType = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);
const chainKind = z.enum(CHAIN_KINDS_SPEC.map((s) => s.kind) as [ChainKind, ...ChainKind[]]);
const endKind = z.enum(["trim", "discard"]);
const names = z.array(z.string().regex(/^[A-Za-z0-9_.]+$/, "a kernel symbol")).min(1);
const constant = z.union([z.boolean(), z.string(), z.number()]);

/** What a graph exit of the function does. */
const exitSchema = z
  .object({
    /** Closes the task's open chain of this kind (`btrfs_relocate_chunk`, `btrfs_delete_unused_bgs`). */
    closeChain: chainKind.optional(),
    /** Ends the task's open trim or discard (`btrfs_trim_block_group`, `btrfs_trim_fs`, `do_trimming`). */
    end: endKind.optional(),
    /** Emits this event (`writeout_end`). */
    event: eventType.optional(),
  })
  .strict();

const functionSchema = z
  .object({
    names,
    doc: z.string().optional(),
    event: eventType.optional(),
    /** Constant payload values (`{"flag": true}` for the 4.1-era ro names). */
    data: z.record(z.string(), constant).optional(),
    /** End marker: ends the task's open trim/discard when the parent is one of `parents`. */
    end: endKind.optional(),
    parents: z.array(z.string()).min(1).optional(),
    role: z.enum(MAP_ROLES).optional(),
    noise: z.literal(true).optional(),
    exit: exitSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const kinds = [e.event, e.end, e.role, e.noise].filter((x) => x !== undefined).length;
    if (kinds !== 1) ctx.addIssue({ code: "custom", message: "exactly one of event, end, role, noise" });
    if (e.end !== undefined && e.parents === undefined) ctx.addIssue({ code: "custom", message: "an end marker needs parents" });
    if (e.end === undefined && e.parents !== undefined) ctx.addIssue({ code: "custom", message: "parents only go with end" });
    if (e.data !== undefined) checkData(e.event, e.data, ctx);
  });

const tracepointSchema = z
  .object({
    names,
    doc: z.string().optional(),
    event: eventType.optional(),
    noise: z.literal(true).optional(),
    /** Payload key → tracepoint field (`{"bytenr": "offset", "len": "size"}`). */
    fields: z.record(z.string(), z.string()).optional(),
    /** Fields that may be absent (others are required: a line without them is invalid). */
    optional: z.array(z.string()).optional(),
    /** Only when these fields have these values (`{"create": "1"}`). */
    when: z.record(z.string(), z.string()).optional(),
    /**
     * Only while the task has an open chain of this kind (`"trim"`): the line
     * is otherwise context. A kprobe has no parent to tell its caller by, and
     * the same function runs outside the chain too (a discard of a commit).
     */
    within: chainKind.optional(),
    data: z.record(z.string(), constant).optional(),
    /** Its bytenr names the subject of the chain it is a step of (§6.3 rule 3). */
    subject: z.literal(true).optional(),
    /** Merges into the task's latest function event of the same type (§6.2 Merging). */
    merge: z.literal(true).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if ((e.event === undefined) === (e.noise === undefined)) ctx.addIssue({ code: "custom", message: "exactly one of event, noise" });
    if (e.event === undefined) return;
    const keys = dataKeys(e.event);
    for (const k of Object.keys(e.fields ?? {})) {
      if (!keys.includes(k)) ctx.addIssue({ code: "custom", path: ["fields", k], message: `${e.event} has no argument ${k}` });
    }
    for (const k of e.optional ?? []) {
      if (!(k in (e.fields ?? {}))) ctx.addIssue({ code: "custom", path: ["optional"], message: `${k} is not in fields` });
    }
    if (e.data !== undefined) checkData(e.event, e.data, ctx);
    if (e.subject && kindsWithStep(e.event).length === 0) {
      ctx.addIssue({ code: "custom", path: ["subject"], message: `${e.event} is not a chain step` });
    }
    if (e.subject && !("bytenr" in (e.fields ?? {}))) ctx.addIssue({ code: "custom", path: ["subject"], message: "needs a bytenr field" });
    if (e.within !== undefined && !kindsWithStep(e.event).includes(e.within)) {
      ctx.addIssue({ code: "custom", path: ["within"], message: `${e.event} is not a step of a ${e.within} chain` });
    }
  });

function checkData(event: EventType | undefined, data: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (event === undefined) {
    ctx.addIssue({ code: "custom", path: ["data"], message: "data needs an event" });
    return;
  }
  const keys = dataKeys(event);
  for (const [k, v] of Object.entries(data)) {
    if (!keys.includes(k)) ctx.addIssue({ code: "custom", path: ["data", k], message: `${event} has no argument ${k}` });
    else if (KEY_KINDS[k] === "boolean" && typeof v !== "boolean")
      ctx.addIssue({ code: "custom", path: ["data", k], message: "expected a boolean" });
    else if (KEY_KINDS[k] === "outcome" && v !== "proceed" && v !== "skip") {
      ctx.addIssue({ code: "custom", path: ["data", k], message: "expected proceed or skip" });
    }
  }
}

export const mapFileSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    functions: z.array(functionSchema).default([]),
    tracepoints: z.array(tracepointSchema).default([]),
  })
  .strict();

export type MapFile = z.infer<typeof mapFileSchema>;

export interface FunctionExit {
  readonly closeChain: ChainKind | null;
  readonly end: "trim" | "discard" | null;
  readonly event: EventType | null;
}

export type FunctionRule =
  | {
      readonly kind: "event";
      readonly event: EventType;
      readonly data: Readonly<Record<string, unknown>>;
      readonly exit: FunctionExit | null;
    }
  | { readonly kind: "end"; readonly end: "trim" | "discard"; readonly parents: ReadonlySet<string>; readonly exit: FunctionExit | null }
  | { readonly kind: "role"; readonly role: Role; readonly exit: FunctionExit | null }
  | { readonly kind: "noise"; readonly exit: FunctionExit | null };

export type TracepointRule =
  | {
      readonly kind: "event";
      readonly event: EventType;
      readonly fields: readonly (readonly [dataKey: string, field: string])[];
      readonly optional: ReadonlySet<string>;
      readonly when: readonly (readonly [field: string, value: string])[];
      /** Counts only while the task has an open chain of this kind. */
      readonly within: ChainKind | null;
      readonly data: Readonly<Record<string, unknown>>;
      readonly subject: boolean;
      readonly merge: boolean;
    }
  | { readonly kind: "noise" };

export interface MapTable {
  readonly functions: ReadonlyMap<string, FunctionRule>;
  readonly tracepoints: ReadonlyMap<string, TracepointRule>;
  /** Event types some tracepoint merges into (function events of these types wait for it). */
  readonly mergeable: ReadonlySet<EventType>;
}

export class MapTableError extends Error {}

/**
 * Validates map files (parsed JSON) and compiles them into one table; a
 * later file's entry for a name replaces an earlier one. `sources` name the
 * files for messages.
 */
export function compileMapTable(files: readonly { source: string; json: unknown }[]): MapTable {
  const functions = new Map<string, FunctionRule>();
  const tracepoints = new Map<string, TracepointRule>();
  for (const { source, json } of files) {
    const parsed = mapFileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path.map(String).join(".") || "(root)";
      throw new MapTableError(`${source}: ${at}: ${issue.message}`);
    }
    for (const f of parsed.data.functions) {
      const exit: FunctionExit | null = f.exit
        ? { closeChain: f.exit.closeChain ?? null, end: f.exit.end ?? null, event: f.exit.event ?? null }
        : null;
      let rule: FunctionRule;
      if (f.event !== undefined) rule = { kind: "event", event: f.event, data: f.data ?? {}, exit };
      else if (f.end !== undefined) rule = { kind: "end", end: f.end, parents: new Set(f.parents), exit };
      else if (f.role !== undefined) rule = { kind: "role", role: f.role, exit };
      else rule = { kind: "noise", exit };
      for (const n of f.names) functions.set(n, rule);
    }
    for (const t of parsed.data.tracepoints) {
      const rule: TracepointRule =
        t.event === undefined
          ? { kind: "noise" }
          : {
              kind: "event",
              event: t.event,
              fields: Object.entries(t.fields ?? {}),
              optional: new Set(t.optional ?? []),
              when: Object.entries(t.when ?? {}),
              within: t.within ?? null,
              data: t.data ?? {},
              subject: t.subject === true,
              merge: t.merge === true,
            };
      for (const n of t.names) tracepoints.set(n, rule);
    }
  }
  const mergeable = new Set<EventType>();
  for (const r of tracepoints.values()) if (r.kind === "event" && r.merge) mergeable.add(r.event);
  return { functions, tracepoints, mergeable };
}

/**
 * The event types a traced function or tracepoint name makes (a search for
 * `btrfs_reserve_extent` finds `bg_alloc`). Names as the log prints them,
 * without a `[module]` suffix or clone suffix.
 */
export function eventTypesOfName(table: MapTable, name: string): EventType[] {
  const out = new Set<EventType>();
  const f = table.functions.get(name);
  if (f?.kind === "event") out.add(f.event);
  if (f?.kind === "end") out.add(f.end === "trim" ? "trim_bg_end" : "discard_end");
  if (f?.exit?.event) out.add(f.exit.event);
  const t = table.tracepoints.get(name);
  if (t?.kind === "event") out.add(t.event);
  return [...out];
}
