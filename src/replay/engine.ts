/**
 * The replay engine (DOMAIN.md §4): applies a trace's events in recorded
 * order under a rule set, with the sections of the locks its fixes declare
 * (`LockSpec`), blocking and deferral (FIFO waiters), the skip path, the
 * completion rule and the stop at the first effect. The projection (src/projections) does what one event does to the
 * filesystem; this module decides when, whether, and in which order events
 * are applied.
 *
 * One engine replays one schedule. Its state (projection + scheduler queues)
 * can be saved and restored between recorded events (time-travel snapshots).
 * The double replay of an undecided check (§4.7 e) is driven from outside
 * (`check.ts`) by forcing that check's outcome.
 *
 * Verdict-affecting: a change of behaviour here bumps ENGINE_VERSION.
 */
import { encodeEvent, decodeEvent } from "../events/catalog.ts";
import type { RaceEvent } from "../events/types.ts";
import { RACE_OF_EFFECT } from "../events/races.ts";
import { type ApplyCtx, type Note, applyEvent, ensureActor, judgeDiscard } from "../projections/evolve.ts";
import { decodeJson, encodeJson } from "../projections/serialize.ts";
import { type FsState, hex, initialState, key, lockState, withLock } from "../projections/state.ts";
import type { RuleSet } from "../rules/types.ts";
import { type ChainAnn, type PackedAnn, packAnn, unpackAnn } from "./chains.ts";
import type { Finding, Reordering, ReplayWarning, UndecidedPoint } from "./types.ts";

/**
 * The version of the replay's semantics. Verdicts are stored per engine
 * version (src/replay-service.ts) and snapshots are keyed by it, so bump it
 * with any change that can change a report or a state: here, in check.ts,
 * chains.ts, src/projections (evolve.ts and the state it folds) or a fix
 * module of src/rules. Stored ones are then recomputed instead of served.
 * The same for a change of what a stored report holds: 2 = reports carry
 * the trace's coverage (issue 13; src/replay/coverage.ts, src/explore/coverage.ts).
 */
export const ENGINE_VERSION = 2;

/** An event as the engine sees it: its stored seq (or 1-based index) and chain annotation. */
export interface EngineEvent {
  readonly ev: RaceEvent;
  readonly seq: number;
  readonly ann: ChainAnn | null;
}

interface Queued {
  readonly e: EngineEvent;
  readonly waitedFor: string;
}

export type CheckOutcome = "proceed" | "skip";

/** A check whose outcome the trace cannot settle (§4.7 e): replayed both ways by `check.ts`. */
export interface ForkPoint {
  readonly seq: number;
  readonly line: number | null;
  readonly why: string;
}

export type TimelineStatus = "applied" | "blocked" | "dropped";

export interface TimelineEntry {
  /** Recorded seq being processed when this happened. */
  readonly at: number;
  readonly seq: number;
  readonly line: number | null;
  readonly pid: number;
  readonly type: RaceEvent["type"];
  readonly ev: RaceEvent;
  readonly status: TimelineStatus;
  readonly synthetic: boolean;
  readonly deferred: boolean;
  readonly outcome?: CheckOutcome;
  readonly notes: readonly Note[];
  readonly why?: string;
  /** Filesystem state right after (shared structure: cheap). */
  readonly fs: FsState;
}

export interface EngineOptions {
  readonly itemsUnknown?: boolean;
  /** Outcomes imposed on undecided checks, by seq (the double replay of §4.7 e). */
  readonly forced?: ReadonlyMap<number, CheckOutcome>;
  /** Record a timeline of everything applied, blocked or dropped (demo, explorer). */
  readonly timeline?: boolean;
  /**
   * Recompute every proceeding check where it is applied, as for a deferred
   * one (§3). The explorer sets it: a schedule it invents may move a check
   * past the set_ro or removal that made the recorded outcome wrong.
   */
  readonly recomputeChecks?: boolean;
  /**
   * The schedule is not the recorded one (the explorer's): chunk allocations
   * are placed for the replayed order, as under a rule set whose locks reorder.
   */
  readonly reschedules?: boolean;
}

/** The scheduler's own state, read-only (the explorer keys and branches on it). */
export interface SchedulerView {
  readonly queues: ReadonlyMap<number, readonly { readonly e: EngineEvent; readonly waitedFor: string }[]>;
  /** Lock name → the chain whose section holds it. */
  readonly sections: ReadonlyMap<string, number>;
  readonly cut: ReadonlySet<number>;
  readonly openChains: ReadonlySet<number>;
  readonly pendingRelease: PendingRelease | null;
}

/** A chain whose sections end once the current event is recorded. */
interface PendingRelease {
  readonly pid: number;
  readonly chain: number;
}

/** Why a step waits: the lock it asked for and its holder. */
interface Blocked {
  readonly lock: string;
  readonly why: string;
}

export class Engine {
  fs: FsState;
  private queues = new Map<number, Queued[]>();
  /** Lock name → the chain whose section holds it. */
  private sections = new Map<string, number>();
  private pendingRelease: PendingRelease | null = null;
  /** Chains whose remaining events are not applied (skip path, no-op trim). */
  private cut = new Set<number>();
  /** Chains open in recorded order (for judging gaps). */
  private openChains = new Set<number>();
  stopped = false;
  /** Last recorded seq processed. */
  processed = 0;
  private current = 0;
  readonly findings: Finding[] = [];
  readonly warnings: ReplayWarning[] = [];
  readonly undecided: UndecidedPoint[] = [];
  readonly reordered: (Reordering & { note?: string })[] = [];
  readonly gaps: number[] = [];
  readonly forkPoints: ForkPoint[] = [];
  readonly observations: { seq: number; line: number | null; type: string }[] = [];
  readonly timeline: TimelineEntry[] | null;
  private readonly opts: EngineOptions;
  private readonly forced: ReadonlyMap<number, CheckOutcome>;
  private readonly recomputeChecks: boolean;
  /** The replayed order may differ from the recorded one (`ApplyCtx.reordering`). */
  private readonly reordering: boolean;

  constructor(
    readonly rules: RuleSet,
    opts: EngineOptions = {},
  ) {
    this.opts = opts;
    this.fs = initialState({ itemsUnknown: opts.itemsUnknown ?? false });
    this.forced = opts.forced ?? new Map();
    this.timeline = opts.timeline ? [] : null;
    this.recomputeChecks = opts.recomputeChecks ?? false;
    this.reordering = rules.reorders || (opts.reschedules ?? false);
  }

  /**
   * A copy to branch from. The filesystem state is immutable (shared); the
   * engine's own containers are copied, so the two engines go on independently.
   */
  clone(): Engine {
    const copy = new Engine(this.rules, this.opts);
    copy.fs = this.fs;
    copy.queues = new Map([...this.queues].map(([pid, q]) => [pid, q.slice()]));
    copy.sections = new Map(this.sections);
    copy.pendingRelease = this.pendingRelease;
    copy.cut = new Set(this.cut);
    copy.openChains = new Set(this.openChains);
    copy.stopped = this.stopped;
    copy.processed = this.processed;
    copy.current = this.current;
    for (const [to, from] of [
      [copy.findings, this.findings],
      [copy.warnings, this.warnings],
      [copy.undecided, this.undecided],
      [copy.reordered, this.reordered],
      [copy.gaps, this.gaps],
      [copy.forkPoints, this.forkPoints],
      [copy.observations, this.observations],
      [copy.timeline, this.timeline],
    ] as [unknown[] | null, readonly unknown[] | null][]) {
      for (const x of from ?? []) to!.push(x);
    }
    return copy;
  }

  scheduler(): SchedulerView {
    return { queues: this.queues, sections: this.sections, cut: this.cut, openChains: this.openChains, pendingRelease: this.pendingRelease };
  }

  // ---- recorded events ----------------------------------------------------

  /** Processes the next recorded event (and everything its application unblocks). */
  push(e: EngineEvent): void {
    this.current = e.seq;
    this.processed = e.seq;
    if (this.stopped) return;
    const { ev } = e;
    if (ev.type === "assert_fail" || ev.type === "trans_abort") this.observations.push({ seq: e.seq, line: ev.origin.line, type: ev.type });
    if (ev.type === "trace_gap") {
      // A gap belongs to no task: never deferred.
      this.gapAt(e);
      return;
    }
    if (e.ann) {
      if (e.ann.last) this.openChains.delete(e.ann.key);
      else this.openChains.add(e.ann.key);
    }
    const pid = ev.origin.pid;
    const q = this.queues.get(pid);
    if (q && q.length > 0) {
      q.push({ e, waitedFor: q[0]!.waitedFor });
      this.fs = ensureActor(this.fs, pid, ev.origin.comm);
      return;
    }
    const r = this.attempt(e, false);
    if (r.blocked) this.block(pid, { e, waitedFor: r.blocked.why }, r.blocked.lock);
  }

  /** End of the trace: open discards are judged, deferred events stay unapplied. */
  finish(): void {
    if (!this.stopped) {
      for (const pid of this.fs.openDiscards) {
        const d = this.fs.actors.get(String(pid))?.discard;
        if (!d) continue;
        const j = judgeDiscard(d);
        if (j.effect) this.undecidedAt(d.startSeq, null, `discard of block group ${hex(d.bg)} by pid ${pid} is still open at the end of the trace and a metadata write landed in its range`);
        else if (j.undecided) this.undecidedAt(d.startSeq, null, `${j.undecided}; still open at the end of the trace`);
      }
    }
    for (const [pid, q] of this.queues) {
      for (const item of q) {
        this.reordered.push({ seq: item.e.seq, line: item.e.ev.origin.line, pid, waitedFor: item.waitedFor, appliedAfterSeq: null });
      }
    }
  }

  get deferredAtEnd(): number[] {
    return [...this.queues.entries()].filter(([, q]) => q.length > 0).map(([pid]) => pid);
  }

  /** Deferred events per pid (seqs), for views. */
  get pending(): { pid: number; seqs: number[] }[] {
    return [...this.queues.entries()].filter(([, q]) => q.length > 0).map(([pid, q]) => ({ pid, seqs: q.map((x) => x.e.seq) }));
  }

  // ---- scheduling ---------------------------------------------------------

  private attempt(e: EngineEvent, deferred: boolean): { blocked?: Blocked; applied: boolean } {
    const { ev, ann } = e;
    const pid = ev.origin.pid;
    if (ann && this.cut.has(ann.key)) return this.drop(e, ev, deferred);
    const takings = ann && ann.first ? this.rules.locksTakenBy(ann.kind) : [];
    if (ann && takings.length > 0) {
      for (const { lock } of takings) {
        // Taken on an earlier attempt, before it waited for the next one.
        if (this.sections.get(lock) === ann.key) continue;
        if (lockState(this.fs, lock).holder === pid) {
          // Asking for a lock it already holds: its current section ends first (§4.3).
          this.release(lock, pid);
          if (this.stopped) return { applied: true };
        }
        const holder = lockState(this.fs, lock).holder;
        if (holder !== null) return { blocked: { lock, why: `${lock} held by pid ${holder}` }, applied: false };
        this.acquire(lock, pid, ann.key);
      }
      // The events that take the locks, where the chain's first recorded event is another.
      const bytenr = (ev.data as { bytenr?: bigint | null }).bytenr ?? null;
      const made = new Set<string>([ev.type]);
      for (const { taker } of takings) {
        if (made.has(taker.event)) continue;
        made.add(taker.event);
        const synthetic = { type: taker.event, data: taker.data(bytenr), origin: ev.origin, chain: ev.chain } as RaceEvent;
        this.applyOne(e, synthetic, deferred, true);
        if (this.stopped) return { applied: true };
        if (this.cut.has(ann.key)) return this.drop(e, ev, deferred);
      }
    }
    this.applyOne(e, ev, deferred, false);
    return { applied: true };
  }

  /** The event's chain was cut: it is not applied. */
  private drop(e: EngineEvent, ev: RaceEvent, deferred: boolean): { applied: false } {
    if (e.ann?.last) this.cut.delete(e.ann.key);
    this.record(e, ev, "dropped", { deferred, synthetic: false, notes: [], why: "the rest of its chain is not applied" });
    return { applied: false };
  }

  private block(pid: number, item: Queued, lock: string): void {
    const rest = this.queues.get(pid) ?? [];
    this.queues.set(pid, [item, ...rest]);
    this.fs = ensureActor(this.fs, pid, item.e.ev.origin.comm);
    const a = this.fs.actors.get(String(pid))!;
    this.fs = withLock(
      { ...this.fs, actors: this.fs.actors.set(String(pid), { ...a, status: "blocked", blockedOn: item.waitedFor }) },
      lock,
      (l) => ({ ...l, waiters: [...l.waiters, pid] }),
    );
    this.record(item.e, item.e.ev, "blocked", { deferred: false, synthetic: false, notes: [], why: item.waitedFor });
  }

  private acquire(lock: string, pid: number, chain: number): void {
    this.fs = withLock(this.fs, lock, (l) => ({ ...l, holder: pid }));
    this.sections.set(lock, chain);
  }

  private release(lock: string, pid: number): void {
    const holder = lockState(this.fs, lock).holder;
    if (holder === null) return;
    if (holder !== pid) {
      // Cannot happen with implicit locks; reported rather than hidden.
      this.findings.push({ race: null, effect: "invariant", seq: this.current, line: null, message: `mutex_unlock: ${lock} released by pid ${pid}, held by pid ${holder}` });
      return;
    }
    this.fs = withLock(this.fs, lock, (l) => ({ ...l, holder: null }));
    this.sections.delete(lock);
    if (this.timeline && this.timeline.length > 0) {
      // The release belongs to the event that ended the section.
      const last = this.timeline[this.timeline.length - 1]!;
      if (last.pid === pid) this.timeline[this.timeline.length - 1] = { ...last, fs: this.fs };
    }
    this.drain(lock);
  }

  /** The lock is free: its first waiter resumes at once, then the next (§4.3). */
  private drain(lock: string): void {
    for (;;) {
      const l = lockState(this.fs, lock);
      if (this.stopped || l.holder !== null || l.waiters.length === 0) return;
      const [w, ...rest] = l.waiters as [number, ...number[]];
      const a = this.fs.actors.get(String(w))!;
      this.fs = withLock({ ...this.fs, actors: this.fs.actors.set(String(w), { ...a, status: "running", blockedOn: null }) }, lock, (x) => ({
        ...x,
        waiters: rest,
      }));
      this.runQueue(w);
    }
  }

  /** Does the chain hold a lock (is it in a section)? */
  private inSection(chain: number): boolean {
    for (const c of this.sections.values()) if (c === chain) return true;
    return false;
  }

  private runQueue(pid: number): void {
    const q = this.queues.get(pid);
    if (!q) return;
    // Index walk, not shift(): a long-blocked task can have a long queue.
    let i = 0;
    while (i < q.length && !this.stopped) {
      const item = q[i]!;
      const r = this.attempt(item.e, true);
      if (r.blocked) {
        this.queues.set(pid, q.slice(i + 1));
        this.block(pid, { e: item.e, waitedFor: r.blocked.why }, r.blocked.lock);
        return;
      }
      i++;
      this.reordered.push({
        seq: item.e.seq,
        line: item.e.ev.origin.line,
        pid,
        waitedFor: item.waitedFor,
        appliedAfterSeq: this.current,
        ...(r.applied ? {} : { note: "not applied: the rest of its chain was skipped" }),
      });
    }
    if (i >= q.length) this.queues.delete(pid);
    else this.queues.set(pid, q.slice(i));
  }

  // ---- applying one event -------------------------------------------------

  private applyOne(e: EngineEvent, ev: RaceEvent, deferred: boolean, synthetic: boolean): void {
    const { ann } = e;
    const notes: Note[] = [];
    const ctx: ApplyCtx = { rules: this.rules, seq: e.seq, line: ev.origin.line, deferred, synthetic, reordering: this.reordering, notes };
    this.fs = applyEvent(this.fs, ev, ctx);
    const pid = ev.origin.pid;
    let outcome: CheckOutcome | undefined;

    if (ev.type === "unused_bg_check") {
      outcome = this.checkOutcome(e, ev as RaceEvent<"unused_bg_check">, deferred || this.recomputeChecks, notes);
      if (outcome === "skip") {
        if (ann) this.deferRelease(pid, ann.key);
        if (ann && !ann.last && ev.data.outcome !== "skip") this.cut.add(ann.key);
      }
    } else if (ann && this.inSection(ann.key)) {
      const why = this.recheck(ann, ev);
      if (why !== null) {
        notes.push({ kind: "info", message: why });
        outcome = "skip";
        if (!ann.last) this.cut.add(ann.key);
        this.deferRelease(pid, ann.key);
      }
    }

    for (const n of notes) this.takeNote(e, ev, n);
    this.record(e, ev, "applied", { deferred, synthetic, notes, ...(outcome ? { outcome } : {}) });
    if (this.stopped) return;

    if (notes.some((n) => n.kind === "cut") && ann && !ann.last) this.cut.add(ann.key);

    // Completion rule (§4.5).
    if (notes.some((n) => n.kind === "chunk_removed") && !(ann?.hasRemoveBg ?? false)) {
      const rbg: RaceEvent = { type: "remove_block_group", data: { bytenr: (ev.data as { bytenr: bigint | null }).bytenr }, origin: ev.origin, chain: ev.chain };
      const n2: Note[] = [];
      this.fs = applyEvent(this.fs, rbg, { ...ctx, synthetic: true, notes: n2 });
      for (const n of n2) this.takeNote(e, rbg, n);
      this.record(e, rbg, "applied", { deferred, synthetic: true, notes: n2 });
      if (this.stopped) return;
      if (ann) this.deferRelease(pid, ann.key);
    }

    if (ann && ann.last) this.deferRelease(pid, ann.key);
    this.flushRelease();
  }

  /**
   * A taker re-checking its block group under the lock it took (`LockTaker.recheck`):
   * why the rest of the chain does not run, or null.
   */
  private recheck(ann: ChainAnn, ev: RaceEvent): string | null {
    for (const { lock, taker } of this.rules.locksTakenBy(ann.kind)) {
      if (taker.event !== ev.type || !taker.recheck || this.sections.get(lock) !== ann.key) continue;
      const b = (ev.data as { bytenr?: bigint | null }).bytenr ?? null;
      const why = taker.recheck(b === null ? undefined : this.fs.blockGroups.get(key(b)), b);
      if (why !== null) return why;
    }
    return null;
  }

  /** The chain's sections end after the current event is fully recorded (so timelines read in order). */
  private deferRelease(pid: number, chain: number): void {
    if (this.inSection(chain)) this.pendingRelease = { pid, chain };
  }

  private flushRelease(): void {
    const p = this.pendingRelease;
    if (p === null) return;
    this.pendingRelease = null;
    for (const [lock, chain] of [...this.sections]) if (chain === p.chain) this.release(lock, p.pid);
  }

  private checkOutcome(e: EngineEvent, ev: RaceEvent<"unused_bg_check">, deferred: boolean, notes: Note[]): CheckOutcome {
    if (ev.data.outcome === "skip") return "skip";
    const b = ev.data.bytenr;
    const bg = b === null ? undefined : this.fs.blockGroups.get(key(b));
    if (!deferred) {
      if (bg && (!bg.inCacheTree || bg.ro > 0)) {
        notes.push({
          kind: "warning",
          code: "check_outcome_inconsistent",
          message: `btrfs_delete_unused_bgs: recorded to proceed with block group ${hex(b)} although it is ${!bg.inCacheTree ? "removed" : `read-only (ro=${bg.ro})`}`,
        });
      }
      return "proceed";
    }
    // Deferred by a lock: recomputed (§3 unused_bg_check).
    const forced = this.forced.get(e.seq);
    if (b === null || !bg) {
      if (forced) return forced;
      this.forkPoints.push({ seq: e.seq, line: ev.origin.line, why: `deferred unused-bg check of an unknown block group (pid ${ev.origin.pid}) cannot be recomputed` });
      return "proceed";
    }
    const proceed = bg.inCacheTree && bg.ro === 0 && bg.reserved === 0n && bg.reservedUnknown === 0;
    if (!proceed) {
      const why = !bg.inCacheTree ? "no longer in the cache tree" : bg.ro > 0 ? `read-only (ro=${bg.ro})` : "has reserved bytes";
      notes.push({ kind: "info", message: `btrfs_delete_unused_bgs: block group ${hex(b)} ${why} when the check runs: skipped` });
      return "skip";
    }
    const others = [...this.fs.actors.values()].filter((a) => a.pid !== ev.origin.pid && a.unboundRo > 0);
    if (others.length > 0) {
      if (forced) return forced;
      this.forkPoints.push({
        seq: e.seq,
        line: ev.origin.line,
        why: `recomputed check of block group ${hex(b)} proceeds, but pid ${others.map((a) => a.pid).join(", ")} set an unknown block group read-only (it may be this one)`,
      });
    }
    return "proceed";
  }

  private takeNote(e: EngineEvent, ev: RaceEvent, n: Note): void {
    const line = ev.origin.line;
    switch (n.kind) {
      case "effect":
        this.findings.push({ race: RACE_OF_EFFECT[n.effect], effect: n.effect, seq: e.seq, line, message: n.message });
        this.stopped = true;
        return;
      case "invariant":
        this.findings.push({ race: null, effect: "invariant", seq: e.seq, line, message: n.message });
        return;
      case "undecided":
        this.undecidedAt(e.seq, line, n.why);
        return;
      case "warning":
        this.warnings.push({ code: n.code, seq: e.seq, line, message: n.message });
        return;
      case "cut":
      case "chunk_removed":
      case "info":
        return;
    }
  }

  private undecidedAt(seq: number, line: number | null, why: string): void {
    this.undecided.push({ seq, line, why });
  }

  private gapAt(e: EngineEvent): void {
    const line = e.ev.origin.line;
    this.gaps.push(line ?? e.seq);
    const open: string[] = [];
    if (this.openChains.size > 0) open.push(`${this.openChains.size} chain(s) in progress`);
    if (this.fs.openDiscards.length > 0) open.push("a discard in flight");
    for (const lock of this.sections.keys()) open.push(`${lock} held`);
    for (const bg of this.fs.blockGroups.values()) {
      if (bg.inCacheTree && !bg.itemInserted) {
        open.push(`block group ${hex(bg.start)} awaiting its item`);
        break;
      }
    }
    if (open.length > 0) {
      const d = e.ev.data as { cpu: number | null; lost: number | null };
      const what = d.lost !== null ? `${d.lost} events lost` : "buffer restarted";
      this.undecidedAt(e.seq, line, `CPU ${d.cpu ?? "?"}: ${what} while ${open.join(", ")}: the missing events may hide a race`);
    }
    this.record(e, e.ev, "applied", { deferred: false, synthetic: false, notes: [] });
  }

  private record(
    e: EngineEvent,
    ev: RaceEvent,
    status: TimelineStatus,
    x: { deferred: boolean; synthetic: boolean; notes: readonly Note[]; outcome?: CheckOutcome; why?: string },
  ): void {
    if (!this.timeline) return;
    this.timeline.push({
      at: this.current,
      seq: e.seq,
      line: ev.origin.line,
      pid: ev.origin.pid,
      type: ev.type,
      ev,
      status,
      synthetic: x.synthetic,
      deferred: x.deferred,
      notes: x.notes,
      ...(x.outcome ? { outcome: x.outcome } : {}),
      ...(x.why ? { why: x.why } : {}),
      fs: this.fs,
    });
  }

  // ---- snapshots ----------------------------------------------------------

  /**
   * The scheduler's state between two recorded events, as plain JSON. The
   * filesystem state (`fs`) is saved apart, entry by entry (snapshots.ts);
   * report lists are not included.
   */
  save(): EngineSnapshot {
    return {
      queues: [...this.queues.entries()].map(([pid, q]) => [
        pid,
        q.map((x) => ({ ev: encodeEvent(x.e.ev), seq: x.e.seq, ann: packAnn(x.e.ann), waitedFor: x.waitedFor })),
      ]),
      sections: [...this.sections],
      cut: [...this.cut],
      openChains: [...this.openChains],
      stopped: this.stopped,
      processed: this.processed,
      findings: encodeJson(this.findings),
    };
  }

  static restore(rules: RuleSet, fs: FsState, snap: EngineSnapshot, opts: EngineOptions = {}): Engine {
    const eng = new Engine(rules, opts);
    eng.fs = fs;
    eng.queues = new Map(
      snap.queues.map(([pid, q]) => [
        pid,
        q.map((x) => ({ e: { ev: decodeEvent(x.ev), seq: x.seq, ann: unpackAnn(x.ann) }, waitedFor: x.waitedFor })),
      ]),
    );
    eng.sections = new Map(snap.sections);
    eng.cut = new Set(snap.cut);
    eng.openChains = new Set(snap.openChains);
    eng.stopped = snap.stopped;
    eng.processed = snap.processed;
    eng.current = snap.processed;
    eng.findings.push(...(decodeJson(snap.findings) as Finding[]));
    return eng;
  }
}

export interface EngineSnapshot {
  readonly queues: [number, { ev: unknown; seq: number; ann: PackedAnn; waitedFor: string }[]][];
  readonly sections: [string, number][];
  readonly cut: number[];
  readonly openChains: number[];
  readonly stopped: boolean;
  readonly processed: number;
  readonly findings: unknown;
}
