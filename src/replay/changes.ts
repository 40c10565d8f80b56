/**
 * What the rules changed, event by event: an event that waited (for what,
 * held by whom, applied after which step), one not applied, a check skipped,
 * an implied step, an extent map pinned or dropped, an allocation moved, an
 * error tolerated. Derived from what the replay engine already reports — its
 * timeline entries (status, outcome, notes of kind `info`/`cut`) and its
 * `reordered` list — and nothing else: `racelab demo` prints these facts
 * (DemoRenderer) and GraphQL's `CheckResult.changes` serves them to the
 * classroom page, from the same replay.
 *
 * A fact is classified by the kind of the entry and the type of its event,
 * never by reading a message's words.
 */
import type { EventType } from "../events/types.ts";
import type { RuleSet } from "../rules/types.ts";
import type { PreparedTrace } from "./check.ts";
import { Engine, type TimelineEntry } from "./engine.ts";
import type { Reordering } from "./types.ts";

export type RuleChangeKind =
  /** The task had to wait (lock M held by another): applied later, or never. */
  | "waited"
  /** Not applied: the rest of its chain was cut (a skipped check, a trim of a removed block group). */
  | "not_applied"
  /** A check (or a relocation) that the rules made skip its block group. */
  | "skipped"
  /** A step the rules imply where the log shows none (the completion rule, a section's first step). */
  | "implied"
  /** An extent map kept on pinned_chunks while a trim still runs on it. */
  | "pinned"
  /** The last trimmer of a pinned chunk left: its extent map dropped. */
  | "unpinned"
  /** A new chunk's stripe moved off a device range still in use. */
  | "moved_allocation"
  /** An error the patched kernel tolerates (ENOENT at writeout, a scrub of a removed chunk). */
  | "tolerated"
  /** Anything else the replay explains at this event (e.g. where a write lands on the devices). */
  | "note";

export interface RuleChange {
  /** Stored seq of the event. */
  readonly seq: number;
  readonly line: number | null;
  readonly pid: number;
  readonly type: EventType;
  readonly kind: RuleChangeKind;
  /** In words, as `racelab demo` prints it (after the kind: "waited: <text>"). */
  readonly text: string;
  /** `waited`: what for, who held it, after which recorded step it was applied (null: never). */
  readonly waitedFor?: string;
  readonly heldBy?: number | null;
  readonly appliedAfterSeq?: number | null;
}

/** The info notes of an event of this type say what a rule changed of this kind. */
const INFO_KIND: Partial<Record<EventType, RuleChangeKind>> = {
  unused_bg_check: "skipped",
  relocate_chunk: "skipped",
  remove_block_group: "pinned",
  trim_bg_end: "unpinned",
  chunk_alloc: "moved_allocation",
  write_cache_group: "tolerated",
  scrub_chunk: "tolerated",
};

/** The holder of the lock the entry's task waits for (it is among that lock's waiters). */
function heldBy(e: TimelineEntry): number | null {
  return Object.values(e.fs.locks).find((l) => l.waiters.includes(e.pid))?.holder ?? null;
}

/**
 * The facts of one timeline entry. A `waited` fact is made where the task
 * blocks; `collectChanges` completes it (and the events queued behind it)
 * from the report's reorderings.
 */
export function entryChanges(e: TimelineEntry): RuleChange[] {
  const at = { seq: e.seq, line: e.line, pid: e.pid, type: e.type };
  switch (e.status) {
    case "blocked":
      return [{ ...at, kind: "waited", text: e.why ?? "", waitedFor: e.why ?? "", heldBy: heldBy(e), appliedAfterSeq: null }];
    case "dropped":
      return [{ ...at, kind: "not_applied", text: e.why ?? "the rest of its chain is not applied" }];
    case "applied": {
      const out: RuleChange[] = [];
      if (e.synthetic) out.push({ ...at, kind: "implied", text: `${e.type} implied here (the log shows none)` });
      for (const n of e.notes) {
        if (n.kind === "info") out.push({ ...at, kind: INFO_KIND[e.type] ?? "note", text: n.message });
        else if (n.kind === "cut") out.push({ ...at, kind: "skipped", text: n.why });
      }
      return out;
    }
  }
}

/** Collects the facts of a replay's timeline, entry by entry (bounded memory), and completes the waits. */
export class ChangeCollector {
  private readonly facts: RuleChange[] = [];
  /** The lock holder each task found when it blocked (events queued behind it waited for the same). */
  private readonly heldWhenBlocked = new Map<number, number | null>();
  /** Who held the lock an event waited for, by seq. */
  private readonly heldOf = new Map<number, number | null>();
  /** Types of the events seen (a reordering names only the seq). */
  private readonly typeOf = new Map<number, EventType>();

  add(entries: readonly TimelineEntry[]): void {
    for (const e of entries) {
      if (!this.typeOf.has(e.seq)) this.typeOf.set(e.seq, e.type);
      // An event applied (or dropped) after waiting waited for what its task last blocked on.
      if (e.deferred && !this.heldOf.has(e.seq)) this.heldOf.set(e.seq, this.heldWhenBlocked.get(e.pid) ?? null);
      for (const f of entryChanges(e)) {
        if (f.kind === "waited") {
          this.heldWhenBlocked.set(f.pid, f.heldBy ?? null);
          this.heldOf.set(f.seq, f.heldBy ?? null);
        } else this.facts.push(f);
      }
    }
  }

  /**
   * Every fact, in seq order; one `waited` per reordered event, saying when it was released.
   * `typeOf` gives the type of an event the timeline never showed (queued, never applied).
   */
  result(reordered: readonly (Reordering & { readonly note?: string })[], typeOf: (seq: number) => EventType): RuleChange[] {
    const waits: RuleChange[] = reordered.map((r) => {
      const then = r.appliedAfterSeq === null ? "still waiting at the end: never applied" : `released at step #${r.appliedAfterSeq}, then ${r.note ?? "applied"}`;
      return {
        seq: r.seq,
        line: r.line,
        pid: r.pid,
        type: this.typeOf.get(r.seq) ?? typeOf(r.seq),
        kind: "waited",
        text: `${r.waitedFor}; ${then}`,
        waitedFor: r.waitedFor,
        heldBy: this.heldOf.get(r.seq) ?? this.heldWhenBlocked.get(r.pid) ?? null,
        appliedAfterSeq: r.appliedAfterSeq,
      };
    });
    return [...waits, ...this.facts].sort((a, b) => a.seq - b.seq || order(a.kind) - order(b.kind));
  }
}

const ORDER: readonly RuleChangeKind[] = ["waited", "implied", "skipped", "not_applied", "pinned", "unpinned", "moved_allocation", "tolerated", "note"];
const order = (k: RuleChangeKind) => ORDER.indexOf(k);

/**
 * What the rules changed in a trace: one replay with a timeline, read and
 * dropped entry by entry as it goes (a long trace is never held whole). The
 * schedule is the one `checkTrace` reports (undecided checks proceed).
 */
export function ruleChanges(trace: PreparedTrace, rules: RuleSet): RuleChange[] {
  const eng = new Engine(rules, { itemsUnknown: trace.itemsUnknown, timeline: true });
  const timeline = eng.timeline!;
  const collector = new ChangeCollector();
  const take = (keep: number) => {
    // The last entry may still be amended (a lock release belongs to the event that ended the section).
    collector.add(timeline.splice(0, Math.max(0, timeline.length - keep)));
  };
  for (const e of trace.events) {
    eng.push(e);
    if (timeline.length > 64) take(1);
  }
  eng.finish();
  take(0);
  const need = new Set(eng.reordered.map((r) => r.seq));
  const bySeq = new Map<number, EventType>();
  if (need.size > 0) for (const e of trace.events) if (need.has(e.seq)) bySeq.set(e.seq, e.ev.type);
  return collector.result(eng.reordered, (seq) => bySeq.get(seq)!);
}
