/**
 * The mapper/binder (DOMAIN.md §6.2–§6.3), pure: line records → event slots.
 *
 * A function line carries no arguments, so each task (pid) keeps a context:
 * roles and the current role, a pending `bgr: args` annotation, graph frames,
 * open chains, its open discard, and its latest event (for tracepoint
 * merging). A chain's subject may be named by a line *later* than the events
 * it binds, so events are emitted as *slots* whose bytenr is read from their
 * chain when the output queue releases them (`OutputQueue`): a slot is final
 * once its chain's subject is known or the chain has closed, its merge
 * window has closed and its task is known. Events keep their own position
 * (line, lineSeq) either way.
 */
import { isLastStep, isRecordedSkip, joinableKind, openingKind, roleOfComm } from "../events/binding.ts";
import { kindsWithStep } from "../events/chains.ts";
import type { ChainKind, EventType, RaceEvent } from "../events/types.ts";
import type { Annotation, AnnotationArgs } from "./annotation.ts";
import { AnnotationError, parseAnnotation } from "./annotation.ts";
import { emptyData, KEY_KINDS } from "./event-data.ts";
import { parseTracepointFields, readFlags, readInt, readU64 } from "./fields.ts";
import type { FunctionExit, FunctionRule, MapTable, Role, TracepointRule } from "./map-table.ts";
import type { ReportBuilder } from "./report.ts";
import type { LineRecord, TaskLine } from "./records.ts";
import { LineError } from "./records.ts";

/** Who a line belongs to. Mutable only while unresolved (graph lines before their CPU's first context switch). */
export interface TaskIdentity {
  pid: number;
  comm: string | null;
  resolved: boolean;
  /** Context key: the pid, or a negative placeholder while unresolved. */
  key: number;
}

export interface Chain {
  readonly id: number;
  readonly kind: ChainKind;
  current: EventType;
  /** undefined: not named yet; null: closed unnamed (unbound). */
  subject: bigint | null | undefined;
  fsid: string | null;
  closed: boolean;
  /** Events of this chain whose merge window is still open. */
  holds: number;
  /** The task context that holds it open. */
  readonly owner: object;
}

export interface Slot {
  readonly type: EventType;
  readonly data: Record<string, unknown>;
  readonly line: number;
  readonly lineSeq: number;
  readonly task: TaskIdentity;
  readonly cpu: number | null;
  readonly ts: bigint | null;
  chain: Chain | null;
  /** fsid of the line that gave a non-chain event its bytenr (null: unknown). */
  readonly fsid: string | null;
  mergeOpen: boolean;
  readonly fromFunction: boolean;
}

interface Frame {
  readonly name: string;
  readonly rule: FunctionRule | undefined;
}

interface TaskCtx {
  identity: TaskIdentity;
  roles: Set<Role>;
  currentRole: Role | null;
  commRoleDone: boolean;
  open: Map<ChainKind, Chain>;
  pendingArgs: AnnotationArgs | null;
  frames: (Frame | undefined)[];
  lastDomain: Slot | null;
  discard: "none" | "open" | "ended";
}

interface Where {
  readonly line: number;
  readonly cpu: number | null;
  readonly ts: bigint | null;
}

export interface BinderOptions {
  /** The trace shows more than one fsid: an event whose fsid stays unknown is unbound (§6.3 Filesystem). */
  readonly multipleFsids: boolean;
}

const GAP_TASK: TaskIdentity = { pid: 0, comm: null, resolved: true, key: 0 };

export class Binder {
  private readonly tasks = new Map<number, TaskCtx>();
  private nextChainId = 1;
  private line = 0;
  private lineSeq = 0;
  private sweepAt = 0;
  /**
   * The line last recorded was used though it may have made no event: it
   * taught a role, set a pending annotation, merged into an event, closed
   * a frame whose exit the table gives a meaning, or is an end marker or
   * event annotation that found nothing open (its name maps, it applied).
   * The import report's `context` bucket (docs/kernel-engineers.md).
   */
  lineUsed = false;

  constructor(
    private readonly table: MapTable,
    private readonly report: ReportBuilder,
    private readonly out: (slot: Slot) => void,
    private readonly opts: BinderOptions,
  ) {}

  // --- entry points -------------------------------------------------------------

  /** One tokenized line of a task (or a gap marker). `identity` is who the line belongs to. */
  record(rec: LineRecord, line: number, identity: TaskIdentity | null): void {
    this.lineUsed = false;
    if (line !== this.line) {
      this.line = line;
      this.lineSeq = 0;
    }
    switch (rec.kind) {
      case "skip":
      case "switch":
      case "event":
      case "quiet":
        return;
      case "gap":
        this.report.gap(line);
        this.emitRaw("trace_gap", { cpu: rec.cpu, lost: rec.lost }, GAP_TASK, { line, cpu: rec.cpu, ts: null });
        return;
      case "call":
      case "entry":
      case "exit":
      case "tracepoint":
      case "print": {
        if (!identity) throw new Error("task line without a task");
        const ctx = this.ctx(identity);
        this.taskLine(ctx, rec, { line, cpu: rec.cpu, ts: rec.ts });
        if (line >= this.sweepAt) this.sweep(line);
        return;
      }
    }
  }

  /**
   * A graph CPU's placeholder task turned out to be `pid` (read ahead to the
   * CPU's first context switch). If that pid already has a context (it ran on
   * another CPU meanwhile), the placeholder's open work is closed unbound.
   */
  resolveTask(identity: TaskIdentity, pid: number, comm: string | null, line: number): void {
    const placeholder = this.tasks.get(identity.key);
    identity.pid = pid;
    identity.comm = comm;
    identity.resolved = true;
    const oldKey = identity.key;
    identity.key = pid;
    if (!placeholder) return;
    this.tasks.delete(oldKey);
    const existing = this.tasks.get(pid);
    if (existing) {
      // Its roles carry over; open work of the placeholder cannot be merged into the task's own.
      for (const r of placeholder.roles) existing.roles.add(r);
      const open = placeholder.open.size > 0 || placeholder.frames.length > 0 || placeholder.pendingArgs !== null;
      if (open) this.report.warn("task_resolved_late", line);
      for (const c of [...placeholder.open.values()]) this.closeChain(c);
      this.releaseMerge(placeholder);
      return;
    }
    this.tasks.set(pid, placeholder);
    this.commRole(placeholder);
  }

  /** End of the trace: trims end, chains close, merge windows close (§6.2–§6.3). */
  finish(lastLine: number): void {
    if (lastLine !== this.line) {
      this.line = lastLine;
      this.lineSeq = 0;
    }
    const where: Where = { line: lastLine, cpu: null, ts: null };
    for (const ctx of this.tasks.values()) {
      this.endTrim(ctx, where);
      for (const c of [...ctx.open.values()]) this.closeChain(c);
      ctx.open.clear();
      this.releaseMerge(ctx);
    }
  }

  // --- task lines -----------------------------------------------------------------

  private ctx(identity: TaskIdentity): TaskCtx {
    let ctx = this.tasks.get(identity.key);
    if (!ctx) {
      ctx = {
        identity,
        roles: new Set(),
        currentRole: null,
        commRoleDone: false,
        open: new Map(),
        pendingArgs: null,
        frames: [],
        lastDomain: null,
        discard: "none",
      };
      this.tasks.set(identity.key, ctx);
    } else if (ctx.identity !== identity) {
      // Same pid, new comm (exec) or a `<...>` line: events carry what this line printed.
      ctx.identity = identity;
    }
    if (identity.resolved) this.commRole(ctx);
    return ctx;
  }

  /** Role from comm at the task's first line with a known comm (§6.3 Roles). */
  private commRole(ctx: TaskCtx): void {
    if (ctx.commRoleDone || ctx.identity.comm === null) return;
    ctx.commRoleDone = true;
    const role = roleOfComm(ctx.identity.comm);
    if (role) {
      ctx.roles.add(role);
      ctx.currentRole ??= role;
    }
  }

  private taskLine(ctx: TaskCtx, rec: TaskLine, where: Where): void {
    switch (rec.kind) {
      case "call": {
        const rule = this.table.functions.get(rec.name);
        if (rec.parent !== null) this.learnRole(ctx, this.table.functions.get(rec.parent));
        this.learnRole(ctx, rule);
        this.functionLine(ctx, rec.name, rule, rec.parent, where);
        return;
      }
      case "entry": {
        this.closeFrames(ctx, rec.depth, where);
        const parent = innermost(ctx);
        this.learnRole(ctx, parent?.rule);
        const rule = this.table.functions.get(rec.name);
        this.learnRole(ctx, rule);
        this.functionLine(ctx, rec.name, rule, parent?.name ?? null, where);
        if (rec.leaf) {
          if (rule?.exit) this.exitActions(ctx, rule.exit, where, true);
        } else {
          ctx.frames[rec.depth] = { name: rec.name, rule };
        }
        return;
      }
      case "exit": {
        const frame = ctx.frames[rec.depth];
        if (!frame || (rec.name !== null && rec.name !== frame.name)) {
          this.report.warn("orphan_exit", where.line);
          return;
        }
        this.closeFrames(ctx, rec.depth, where);
        return;
      }
      case "tracepoint":
        this.tracepointLine(ctx, rec.name, rec.body, where);
        return;
      case "print":
        this.printLine(ctx, rec.text, where);
        return;
    }
  }

  /** Roles come from role functions seen as the function or its parent (§6.3 Roles). */
  private learnRole(ctx: TaskCtx, rule: FunctionRule | undefined): void {
    if (rule?.kind !== "role") return;
    this.lineUsed = true;
    ctx.roles.add(rule.role);
    if (rule.role !== "allocator") ctx.currentRole = rule.role;
  }

  /** Closes the task's frames at depth >= `depth`, innermost first, applying their exit actions at this line. */
  private closeFrames(ctx: TaskCtx, depth: number, where: Where): void {
    const frames = ctx.frames;
    if (frames.length <= depth) return;
    for (let d = frames.length - 1; d >= depth; d--) {
      const f = frames[d];
      if (f?.rule?.exit) this.exitActions(ctx, f.rule.exit, where, false);
    }
    // Pop rather than truncate: a shorter length keeps the array's fast elements.
    while (frames.length > depth) frames.pop();
  }

  private exitActions(ctx: TaskCtx, exit: FunctionExit, where: Where, leaf: boolean): void {
    this.lineUsed = true;
    if (exit.end === "discard") this.endDiscard(ctx, where, leaf);
    if (exit.end === "trim") this.endTrim(ctx, where);
    if (exit.event !== null) this.emit(ctx, exit.event, emptyData(exit.event), where, null, false);
    if (exit.closeChain !== null) {
      const c = ctx.open.get(exit.closeChain);
      if (c) this.closeChain(c);
    }
  }

  /** A function line (flat call, graph entry or leaf). */
  private functionLine(ctx: TaskCtx, name: string, rule: FunctionRule | undefined, parent: string | null, where: Where): void {
    if (!rule) {
      this.report.unmapped(name);
      return;
    }
    switch (rule.kind) {
      case "role":
      case "noise":
        return;
      case "end":
        // Without a parent (a graph line outside any traced frame) the task's roles decide (§6.1 Parent).
        if (parent !== null ? rule.parents.has(parent) : ctx.roles.has("trim")) {
          this.lineUsed = true;
          if (rule.end === "trim") this.endTrim(ctx, where);
          else this.endDiscard(ctx, where, false);
        }
        return;
      case "event": {
        const type = rule.event;
        const data = emptyData(type);
        Object.assign(data, rule.data);
        const args = this.takeArgs(ctx);
        const subject = this.applyArgs(type, data, args);
        this.emitStep(ctx, type, data, where, subject, true);
        return;
      }
    }
  }

  private tracepointLine(ctx: TaskCtx, name: string, body: string, where: Where): void {
    const rule = this.table.tracepoints.get(name);
    if (!rule) {
      this.report.unmapped(name);
      return;
    }
    if (rule.kind === "noise") return;
    if (rule.within !== null && !ctx.open.has(rule.within)) return;
    const { fsid, values } = parseTracepointFields(body);
    for (const [field, want] of rule.when) if (values.get(field) !== want) return;
    const type = rule.event;
    const data = emptyData(type);
    Object.assign(data, rule.data);
    readFields(name, rule, values, data);
    if (rule.merge && this.tryMerge(ctx, type, data, fsid)) {
      this.lineUsed = true;
      return;
    }
    const args = this.takeArgs(ctx);
    fillFromArgs(data, args, false);
    const bytenr = data.bytenr as bigint | null | undefined;
    const subject = rule.subject && typeof bytenr === "bigint" ? { bytenr, fsid } : null;
    this.emitStep(ctx, type, data, where, subject, false, fsid);
  }

  private printLine(ctx: TaskCtx, text: string, where: Where): void {
    if (!text.startsWith("bgr:")) {
      this.report.unmapped("(trace_printk)");
      return;
    }
    let a: Annotation;
    try {
      a = parseAnnotation(text);
    } catch (err) {
      if (err instanceof AnnotationError) throw new LineError(`bad bgr: annotation: ${err.message}`);
      throw err;
    }
    switch (a.kind) {
      case "unknown":
        this.report.unmapped(`bgr: ${a.word}`);
        return;
      case "args":
        ctx.pendingArgs = a.args;
        this.lineUsed = true;
        return;
      case "event":
        this.lineUsed = true;
        switch (a.event) {
          case "discard_end":
            this.endDiscard(ctx, where, false, true);
            return;
          case "trim_bg_end":
            this.endTrim(ctx, where);
            return;
          case "unused_bg_check": {
            const data = emptyData("unused_bg_check");
            data.outcome = a.args.skip ? "skip" : "proceed";
            data.used = a.args.used;
            const subject = a.args.bytenr === null ? null : { bytenr: a.args.bytenr, fsid: null };
            this.emit(ctx, "unused_bg_check", data, where, subject, false);
            return;
          }
          case "scrub_dev_extent":
          case "eb_write": {
            const data = emptyData(a.event);
            const subject = this.applyArgs(a.event, data, a.args);
            this.emit(ctx, a.event, data, where, subject, false);
            return;
          }
        }
    }
  }

  // --- arguments ------------------------------------------------------------------

  private takeArgs(ctx: TaskCtx): AnnotationArgs | null {
    const a = ctx.pendingArgs;
    ctx.pendingArgs = null;
    return a;
  }

  /**
   * Fills a payload from annotation args. For a chain step the bytenr names
   * the chain's subject (returned) rather than the event directly.
   */
  private applyArgs(type: EventType, data: Record<string, unknown>, args: AnnotationArgs | null): { bytenr: bigint; fsid: null } | null {
    if (!args) return null;
    const isStep = kindsWithStep(type).length > 0;
    fillFromArgs(data, args, isStep);
    return isStep && args.bytenr !== null ? { bytenr: args.bytenr, fsid: null } : null;
  }

  // --- merging (§6.2) ---------------------------------------------------------------

  private tryMerge(ctx: TaskCtx, type: EventType, data: Record<string, unknown>, fsid: string | null): boolean {
    const cand = ctx.lastDomain;
    if (!cand || !cand.mergeOpen || !cand.fromFunction || cand.type !== type) return false;
    const bytenr = data.bytenr as bigint | null;
    const chain = cand.chain;
    const bound = chain ? chain.subject : (cand.data.bytenr as bigint | null);
    if (bound !== undefined && bound !== null && bound !== bytenr) return false;
    for (const k of Object.keys(data)) {
      if (k !== "bytenr" && cand.data[k] === null && data[k] !== null) cand.data[k] = data[k];
    }
    if (chain) {
      if (chain.subject === undefined && bytenr !== null) {
        chain.subject = bytenr;
        chain.fsid = fsid;
      } else if (chain.subject === bytenr && chain.fsid === null) {
        chain.fsid = fsid;
      }
    } else if (cand.data.bytenr === null) {
      cand.data.bytenr = bytenr;
    }
    this.releaseSlot(cand);
    return true;
  }

  private releaseMerge(ctx: TaskCtx): void {
    if (ctx.lastDomain?.mergeOpen) this.releaseSlot(ctx.lastDomain);
  }

  private releaseSlot(slot: Slot): void {
    if (!slot.mergeOpen) return;
    slot.mergeOpen = false;
    const c = slot.chain;
    if (c) {
      c.holds--;
      if (c.closed && c.holds === 0 && c.subject === undefined) c.subject = null;
    }
  }

  // --- ends of trims and discards (§6.2) ----------------------------------------------

  private endTrim(ctx: TaskCtx, where: Where): void {
    if (!ctx.open.has("trim")) return;
    this.emit(ctx, "trim_bg_end", emptyData("trim_bg_end"), where, null, false);
  }

  /**
   * First end candidate of an open discard gives `discard_end`; later ones are
   * ignored. An explicit `bgr: discard_end` of an actor that never started a
   * discard is kept (replay warns `discard_without_start`).
   */
  private endDiscard(ctx: TaskCtx, where: Where, leaf: boolean, explicit = false): void {
    if (ctx.discard === "open" || (explicit && ctx.discard === "none")) {
      ctx.discard = "ended";
      this.emit(ctx, "discard_end", emptyData("discard_end"), where, null, false);
      if (leaf) this.report.warn("discard_window_unknown", where.line);
    }
  }

  // --- emission and chains (§6.3) -------------------------------------------------------

  /**
   * A mapped line's event, from a function or a tracepoint (a kprobe of
   * `racelab record`) alike: the actor's next `trim_bg` ends its previous
   * trim, and a `discard_start` opens the actor's discard (§6.2 Ends).
   */
  private emitStep(...args: Parameters<Binder["emit"]>): void {
    const [ctx, type, , where] = args;
    if (type === "trim_bg") this.endTrim(ctx, where);
    this.emit(...args);
    if (type === "discard_start") ctx.discard = "open";
  }

  private emit(
    ctx: TaskCtx,
    type: EventType,
    data: Record<string, unknown>,
    where: Where,
    subject: { bytenr: bigint; fsid: string | null } | null,
    fromFunction: boolean,
    fsid: string | null = null,
  ): Slot {
    // Another event of this task closes the previous event's merge window.
    this.releaseMerge(ctx);
    const hold = fromFunction && this.table.mergeable.has(type);
    const slot: Slot = {
      type,
      data,
      line: where.line,
      lineSeq: this.lineSeq++,
      task: ctx.identity,
      cpu: where.cpu,
      ts: where.ts,
      chain: null,
      fsid,
      mergeOpen: hold,
      fromFunction,
    };
    if (kindsWithStep(type).length > 0) this.step(ctx, slot, subject, hold);
    ctx.lastDomain = slot;
    this.out(slot);
    return slot;
  }

  private emitRaw(type: EventType, data: Record<string, unknown>, task: TaskIdentity, where: Where): void {
    this.out({
      type,
      data,
      line: where.line,
      lineSeq: this.lineSeq++,
      task,
      cpu: where.cpu,
      ts: where.ts,
      chain: null,
      fsid: null,
      mergeOpen: false,
      fromFunction: false,
    });
  }

  /** Joins the slot to the chain the binding policy (src/events/binding.ts) picks, or opens one; subjects may come later. */
  private step(ctx: TaskCtx, slot: Slot, subject: { bytenr: bigint; fsid: string | null } | null, hold: boolean): void {
    const type = slot.type;
    if (isRecordedSkip(slot)) {
      const old = ctx.open.get("deletion");
      if (old) this.closeChain(old);
      const c = this.openChain(ctx, "deletion", type, subject);
      slot.chain = c;
      this.closeChain(c);
      return;
    }
    const joined = joinableKind((k) => ctx.open.get(k), type, ctx.currentRole);
    let target = joined === null ? undefined : ctx.open.get(joined);
    // A subject-naming line that names another bytenr closes the chain just before it.
    if (target && subject && target.subject !== undefined && target.subject !== null && target.subject !== subject.bytenr) {
      this.closeChain(target);
      target = undefined;
    }
    if (!target) {
      const kind = openingKind(type, ctx.currentRole);
      const old = ctx.open.get(kind);
      if (old) this.closeChain(old);
      target = this.openChain(ctx, kind, type, subject);
    } else {
      target.current = type;
      if (subject) {
        if (target.subject === undefined) {
          target.subject = subject.bytenr;
          target.fsid = subject.fsid;
        } else if (target.fsid === null && subject.fsid !== null) {
          target.fsid = subject.fsid;
        }
      }
    }
    slot.chain = target;
    if (hold) target.holds++;
    if (isLastStep(target.kind, type)) this.closeChain(target);
  }

  private openChain(ctx: TaskCtx, kind: ChainKind, type: EventType, subject: { bytenr: bigint; fsid: string | null } | null): Chain {
    const c: Chain = {
      id: this.nextChainId++,
      kind,
      current: type,
      subject: subject ? subject.bytenr : undefined,
      fsid: subject ? subject.fsid : null,
      closed: false,
      holds: 0,
      owner: ctx,
    };
    ctx.open.set(kind, c);
    return c;
  }

  private closeChain(c: Chain): void {
    if (c.closed) return;
    c.closed = true;
    const owner = c.owner as TaskCtx;
    if (owner.open.get(c.kind) === c) owner.open.delete(c.kind);
    if (c.holds === 0 && c.subject === undefined) c.subject = null;
  }

  // --- memory ----------------------------------------------------------------------------

  /** Drops contexts that hold nothing (no role, frame, chain, annotation or merge window): pids come and go. */
  private sweep(line: number): void {
    this.sweepAt = line + 100_000;
    for (const [key, ctx] of this.tasks) {
      if (
        ctx.roles.size === 0 &&
        ctx.open.size === 0 &&
        ctx.pendingArgs === null &&
        ctx.frames.length === 0 &&
        !ctx.lastDomain?.mergeOpen &&
        ctx.discard === "none" &&
        ctx.identity.resolved
      ) {
        this.tasks.delete(key);
      }
    }
  }

  // --- output ------------------------------------------------------------------------------

  /** The event of a final slot (`isFinal`). */
  materialize(slot: Slot): RaceEvent {
    const data = slot.data;
    let fsid = slot.fsid;
    if (slot.chain) {
      if ("bytenr" in data) data.bytenr = slot.chain.subject ?? null;
      fsid = slot.chain.fsid;
    }
    if (this.opts.multipleFsids && fsid === null && data.bytenr !== undefined && data.bytenr !== null) {
      data.bytenr = null;
      this.report.warn("fsid_unknown", slot.line);
    }
    if (data.bytenr === null) this.report.unbound();
    return {
      type: slot.type,
      data,
      origin: { line: slot.line, lineSeq: slot.lineSeq, pid: slot.task.pid, comm: slot.task.comm, cpu: slot.cpu, ts: slot.ts },
      chain: slot.chain ? { id: slot.chain.id, kind: slot.chain.kind } : null,
    } as RaceEvent;
  }
}

/** The task's innermost open graph frame (the parent of its next line). */
function innermost(ctx: TaskCtx): Frame | null {
  for (let d = ctx.frames.length - 1; d >= 0; d--) {
    const f = ctx.frames[d];
    if (f) return f;
  }
  return null;
}

/** A slot can leave the queue: its task, subject and merged fields are settled. */
export function isFinal(slot: Slot): boolean {
  return slot.task.resolved && !slot.mergeOpen && (slot.chain === null || slot.chain.subject !== undefined);
}

function readFields(
  name: string,
  rule: Extract<TracepointRule, { kind: "event" }>,
  values: ReadonlyMap<string, string>,
  data: Record<string, unknown>,
): void {
  for (const [key, field] of rule.fields) {
    const raw = values.get(field);
    if (raw === undefined || raw === "") {
      if (rule.optional.has(key)) continue;
      throw new LineError(`${name}: missing field ${field}`);
    }
    const v = readValue(KEY_KINDS[key], raw);
    if (v === null) {
      if (rule.optional.has(key)) continue;
      throw new LineError(`${name}: field ${field}=${raw} is not a number`);
    }
    data[key] = v;
  }
}

function readValue(kind: string | undefined, raw: string): unknown {
  switch (kind) {
    case "u64":
      return readU64(raw);
    case "int":
      return readInt(raw);
    case "flags":
      return readFlags(raw);
    default:
      return raw;
  }
}

/** Fills payload keys the event has and that are still unknown from annotation args. */
function fillFromArgs(data: Record<string, unknown>, args: AnnotationArgs | null, skipBytenr: boolean): void {
  if (!args) return;
  const set = (k: string, v: unknown) => {
    if (v !== null && k in data && data[k] === null) data[k] = v;
  };
  if (!skipBytenr) set("bytenr", args.bytenr);
  set("len", args.len);
  set("devid", args.devid);
  set("physical", args.physical);
  set("stripes", args.stripes);
  set("used", args.used);
}
