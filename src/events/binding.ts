/**
 * The chain-binding policy of DOMAIN.md §6.3, pure and in one place: which
 * role a task has, which of its open chains a step joins, which kind a step
 * opens, when a chain closes. The ftrace binder (src/ftrace/binder.ts) applies
 * it line by line with subjects named later; `assignChains` applies it to
 * events that come with their bytenrs (scenario files, the API). One policy,
 * two callers: a scenario and an ftrace log of the same interleaving bind alike.
 *
 * Verdict-affecting (through assignChains): a change of behaviour here bumps
 * ENGINE_VERSION (src/replay/engine.ts).
 */
import { chainSpec, kindsWithStep } from "./chains.ts";
import type { ChainKind, ChainRef, EventType, RaceEvent } from "./types.ts";

/** What a task is doing (§6.3 Roles); `allocator` is learnt but never current; `writer`, `committer` only declared by scenarios. */
export const ROLES = ["balance", "cleaner", "trim", "scrub", "allocator", "writer", "committer"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** Comm at a task's first line (§6.3): the cleaner kthread, also as graph logs truncate it (7 characters). */
const COMM_ROLES: ReadonlyMap<string, Role> = new Map([
  ["btrfs-cleaner", "cleaner"],
  ["btrfs-c", "cleaner"],
]);

export function roleOfComm(comm: string | null): Role | null {
  return comm === null ? null : (COMM_ROLES.get(comm) ?? null);
}

/** Kinds in the order the task's current role prefers them: cleaner ⇒ deletion, scrub ⇒ scrub, else relocation. */
export function preferredKinds(kinds: readonly ChainKind[], role: Role | null): ChainKind[] {
  const first: ChainKind | null =
    role === "cleaner" && kinds.includes("deletion")
      ? "deletion"
      : role === "scrub" && kinds.includes("scrub")
        ? "scrub"
        : kinds.includes("relocation")
          ? "relocation"
          : null;
  return first ? [first, ...kinds.filter((k) => k !== first)] : [...kinds];
}

/** The kind a step opens when it joins no open chain: a step of one kind opens that one; a shared step, by the role's preference. */
export function openingKind(type: EventType, role: Role | null): ChainKind {
  return preferredKinds(kindsWithStep(type), role)[0]!;
}

/**
 * The open chain a step joins: the first, in the role's preference, of a kind
 * that has the step after the chain's current one (or as a repeatable step).
 */
export function joinableKind(open: (kind: ChainKind) => { readonly current: EventType } | undefined, type: EventType, role: Role | null): ChainKind | null {
  for (const kind of preferredKinds(kindsWithStep(type), role)) {
    const c = open(kind);
    if (!c) continue;
    const spec = chainSpec(kind);
    if (spec.steps.indexOf(type) > spec.steps.indexOf(c.current) || spec.repeatable.includes(type)) return kind;
  }
  return null;
}

/** The chain closes after its kind's last step. */
export function isLastStep(kind: ChainKind, type: EventType): boolean {
  const steps = chainSpec(kind).steps;
  return steps[steps.length - 1] === type;
}

/** A recorded skip is a complete deletion chain by itself. */
export function isRecordedSkip(e: { readonly type: EventType; readonly data: unknown }): boolean {
  return e.type === "unused_bg_check" && (e.data as { outcome?: string }).outcome === "skip";
}

/** Roles the events themselves teach (a scenario has no role functions, only these). */
const ROLE_OF_TYPE: Partial<Record<EventType, Role>> = {
  unused_bg_check: "cleaner",
  relocate_chunk: "balance",
  relocate_bg: "balance",
  trim_bg: "trim",
  scrub_dev_extent: "scrub",
  scrub_chunk: "scrub",
};

export interface AssignOptions {
  /** Roles declared for pids (scenario `actor … role=`), the task's initial current role. */
  readonly roles?: ReadonlyMap<number, Role>;
}

interface OpenChain {
  readonly id: number;
  current: EventType;
  subject: bigint | null;
}

function bytenrOf(e: RaceEvent): bigint | null {
  return (e.data as { bytenr?: bigint | null }).bytenr ?? null;
}

/**
 * The chain of every event of a trace made with its bytenrs (scenarios, the
 * API): its own `chain` when it has one, else one assigned by §6.3 (new ids
 * above the largest id already used), each chain's subject being its first
 * event's bytenr.
 */
export function assignChains(events: readonly RaceEvent[], opts: AssignOptions = {}): (ChainRef | null)[] {
  let nextId = 1;
  for (const e of events) if (e.chain && e.chain.id >= nextId) nextId = e.chain.id + 1;
  const tasks = new Map<number, { role: Role | null; readonly open: Map<ChainKind, OpenChain> }>();
  const out: (ChainRef | null)[] = [];
  for (const e of events) {
    const pid = e.origin.pid;
    let t = tasks.get(pid);
    if (!t) {
      t = { role: opts.roles?.get(pid) ?? roleOfComm(e.origin.comm), open: new Map() };
      tasks.set(pid, t);
    }
    t.role = ROLE_OF_TYPE[e.type] ?? t.role;
    const b = bytenrOf(e);

    if (e.chain) {
      // Given: follow it, so that the steps after it join it as the policy says.
      const cur = t.open.get(e.chain.kind);
      const ch = cur && cur.id === e.chain.id ? cur : { id: e.chain.id, current: e.type, subject: b };
      ch.current = chainSpec(e.chain.kind).steps.indexOf(e.type) >= chainSpec(e.chain.kind).steps.indexOf(ch.current) ? e.type : ch.current;
      ch.subject ??= b;
      t.open.set(e.chain.kind, ch);
      if (isLastStep(e.chain.kind, e.type)) t.open.delete(e.chain.kind);
      out.push(e.chain);
      continue;
    }
    if (kindsWithStep(e.type).length === 0) {
      out.push(null);
      continue;
    }
    if (isRecordedSkip(e)) {
      t.open.delete("deletion");
      out.push({ id: nextId++, kind: "deletion" });
      continue;
    }
    let kind = joinableKind((k) => t!.open.get(k), e.type, t.role);
    // A step naming another bytenr closes the chain it would join, just before it.
    if (kind !== null && b !== null) {
      const ch = t.open.get(kind)!;
      if (ch.subject !== null && ch.subject !== b) {
        t.open.delete(kind);
        kind = null;
      }
    }
    let ch: OpenChain;
    if (kind !== null) {
      ch = t.open.get(kind)!;
      ch.current = e.type;
      ch.subject ??= b;
    } else {
      kind = openingKind(e.type, t.role);
      ch = { id: nextId++, current: e.type, subject: b };
      t.open.set(kind, ch);
    }
    if (isLastStep(kind, e.type)) t.open.delete(kind);
    out.push({ id: ch.id, kind });
  }
  return out;
}
