/**
 * Chains (DOMAIN.md §6.3) for the replay: which per-task chain each event
 * belongs to. Imported events carry their chain (the importer binds subjects
 * by chain); events made by hand (scenario files, the API) get one here by
 * the same open/close rules, with the subject bound by each event's own
 * `bytenr`. `annotateChains` adds what the replay needs to know ahead of time
 * about each chain: is this its first event, its last one, does it contain a
 * `remove_block_group` (lock M release, completion rule, §4.3/§4.5).
 */
import { CHAIN_KINDS } from "../events/catalog.ts";
import { chainSpec, kindsWithStep } from "../events/chains.ts";
import type { ChainKind, ChainRef, EventType, RaceEvent } from "../events/types.ts";

export type Role = "balance" | "cleaner" | "trim" | "scrub" | "allocator" | "writer" | "committer";
export const ROLES: readonly Role[] = ["balance", "cleaner", "trim", "scrub", "allocator", "writer", "committer"];

export interface AssignOptions {
  /** Roles declared for pids (scenario `actor … role=`), the task's initial current role. */
  readonly roles?: ReadonlyMap<number, Role>;
}

interface OpenChain {
  readonly id: number;
  stepIdx: number;
  subject: bigint | null;
  touched: number;
}

interface TaskCtx {
  role: Role | null;
  readonly open: Map<ChainKind, OpenChain>;
}

/** Role taught by an event type (the events a role's context functions produce). */
const ROLE_OF_TYPE: Partial<Record<EventType, Role>> = {
  unused_bg_check: "cleaner",
  relocate_chunk: "balance",
  relocate_bg: "balance",
  trim_bg: "trim",
  scrub_dev_extent: "scrub",
  scrub_chunk: "scrub",
};

function roleFromComm(comm: string | null): Role | null {
  if (comm === null) return null;
  return comm === "btrfs-c" || comm.startsWith("btrfs-cleaner") ? "cleaner" : null;
}

function bytenrOf(e: RaceEvent): bigint | null {
  const d = e.data as { bytenr?: bigint | null };
  return d.bytenr ?? null;
}

/** A shared step opens by the task's current role (§6.3 rule 2). */
function openingKind(kinds: readonly ChainKind[], role: Role | null, type: EventType): ChainKind {
  if (kinds.length === 1) return kinds[0]!;
  if (role === "cleaner" && kinds.includes("deletion")) return "deletion";
  if (role === "scrub" && type === "set_ro" && kinds.includes("scrub")) return "scrub";
  if (kinds.includes("relocation")) return "relocation";
  return kinds[0]!;
}

/**
 * The chain of every event: its own `chain` when it has one, else one
 * assigned by §6.3 (new ids above the largest id already used).
 */
export function assignChains(events: readonly RaceEvent[], opts: AssignOptions = {}): (ChainRef | null)[] {
  let nextId = 1;
  for (const e of events) if (e.chain && e.chain.id >= nextId) nextId = e.chain.id + 1;
  const tasks = new Map<number, TaskCtx>();
  const out: (ChainRef | null)[] = [];
  let clock = 0;
  for (const e of events) {
    clock++;
    const pid = e.origin.pid;
    let t = tasks.get(pid);
    if (!t) {
      t = { role: opts.roles?.get(pid) ?? roleFromComm(e.origin.comm), open: new Map() };
      tasks.set(pid, t);
    }
    const learned = ROLE_OF_TYPE[e.type];
    if (learned) t.role = learned;
    const b = bytenrOf(e);

    if (e.chain) {
      const spec = chainSpec(e.chain.kind);
      const idx = spec.steps.indexOf(e.type);
      const cur = t.open.get(e.chain.kind);
      const ch: OpenChain = cur && cur.id === e.chain.id ? cur : { id: e.chain.id, stepIdx: -1, subject: null, touched: 0 };
      ch.stepIdx = Math.max(idx, ch.stepIdx);
      ch.touched = clock;
      if (ch.subject === null) ch.subject = b;
      t.open.set(e.chain.kind, ch);
      if (idx === spec.steps.length - 1) t.open.delete(e.chain.kind);
      out.push(e.chain);
      continue;
    }

    const kinds = kindsWithStep(e.type);
    if (kinds.length === 0) {
      out.push(null);
      continue;
    }
    if (e.type === "unused_bg_check" && (e.data as { outcome: string }).outcome === "skip") {
      // A recorded skip is a complete deletion chain by itself.
      t.open.delete("deletion");
      out.push({ id: nextId++, kind: "deletion" });
      continue;
    }
    // A line naming another bytenr closes the chain it would belong to.
    if (b !== null) {
      for (const k of kinds) {
        const ch = t.open.get(k);
        if (ch && ch.subject !== null && ch.subject !== b) t.open.delete(k);
      }
    }
    const joinable = kinds.filter((k) => {
      const ch = t!.open.get(k);
      if (!ch) return false;
      const spec = chainSpec(k);
      return spec.steps.indexOf(e.type) > ch.stepIdx || spec.repeatable.includes(e.type);
    });
    let kind: ChainKind;
    let ch: OpenChain;
    if (joinable.length > 0) {
      const preferred = openingKind(joinable, t.role, e.type);
      kind = joinable.length === 1 ? joinable[0]! : preferred;
      if (joinable.length > 1 && !joinable.includes(preferred)) {
        kind = joinable.reduce((a, x) => (t!.open.get(x)!.touched > t!.open.get(a)!.touched ? x : a));
      }
      ch = t.open.get(kind)!;
    } else {
      kind = openingKind(kinds, t.role, e.type);
      ch = { id: nextId++, stepIdx: -1, subject: null, touched: 0 };
      t.open.set(kind, ch);
    }
    const spec = chainSpec(kind);
    const idx = spec.steps.indexOf(e.type);
    ch.stepIdx = idx;
    ch.touched = clock;
    if (ch.subject === null) ch.subject = b;
    if (idx === spec.steps.length - 1) t.open.delete(kind);
    out.push({ id: ch.id, kind });
  }
  return out;
}

/** What the replay knows ahead about an event's chain. */
export interface ChainAnn {
  readonly key: number;
  readonly kind: ChainKind;
  /** First event of its chain in recorded order. */
  readonly first: boolean;
  /** Last event of its chain in recorded order (the chain closes after it). */
  readonly last: boolean;
  /** The chain has a recorded `remove_block_group`. */
  readonly hasRemoveBg: boolean;
  /** Type of the chain's first event. */
  readonly firstType: EventType;
}

export function annotateChains(events: readonly RaceEvent[], refs: readonly (ChainRef | null)[]): (ChainAnn | null)[] {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const rbg = new Set<number>();
  refs.forEach((r, i) => {
    if (!r) return;
    if (!first.has(r.id)) first.set(r.id, i);
    last.set(r.id, i);
    if (events[i]!.type === "remove_block_group") rbg.add(r.id);
  });
  return refs.map((r, i) =>
    r
      ? {
          key: r.id,
          kind: r.kind,
          first: first.get(r.id) === i,
          last: last.get(r.id) === i,
          hasRemoveBg: rbg.has(r.id),
          firstType: events[first.get(r.id)!]!.type,
        }
      : null,
  );
}

// Compact wire form of annotations (snapshot windows): [key, kind index, flags, first type].
export type PackedAnn = [number, number, number, string] | null;

export function packAnn(a: ChainAnn | null): PackedAnn {
  if (!a) return null;
  return [a.key, CHAIN_KINDS.indexOf(a.kind), (a.first ? 1 : 0) | (a.last ? 2 : 0) | (a.hasRemoveBg ? 4 : 0), a.firstType];
}

export function unpackAnn(p: PackedAnn): ChainAnn | null {
  if (!p) return null;
  const [key, k, f, firstType] = p;
  return { key, kind: CHAIN_KINDS[k]!, first: (f & 1) !== 0, last: (f & 2) !== 0, hasRemoveBg: (f & 4) !== 0, firstType: firstType as EventType };
}
