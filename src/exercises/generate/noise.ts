/**
 * Noise for harder exercises: work on block groups the race does not touch
 * (a scrub, a trim, a relocation, a cleaner's skip, an extent reserved) and
 * transaction commits, mixed into a trace. Each group is done by an actor of
 * its role — one already in the trace, or a new one — and its events keep
 * their order wherever they land. Whether a group may go somewhere is the
 * replay's to say (`mixNoise` takes a check): noise that changes the key is
 * tried elsewhere, then left out.
 */
import { decodeEvent } from "../../events/catalog.ts";
import type { Role } from "../../events/binding.ts";
import type { RaceEvent } from "../../events/types.ts";
import type { WrittenActor } from "../../scenario/write.ts";
import { type Draft, draftTrace } from "./draft.ts";

const GIB = 1n << 30n;

/** Events of one group, in wire form, on block group `bg` whose free space lies at device address `physical`. */
type Template = (bg: bigint, physical: bigint, gen: number) => { type: RaceEvent["type"]; data: Record<string, unknown> }[];

interface NoiseGroup {
  readonly role: Role;
  /** Needs a block group of its own. */
  readonly bg: boolean;
  readonly events: Template;
}

const s = (v: bigint) => v.toString();

const GROUPS: readonly NoiseGroup[] = [
  { role: "committer", bg: false, events: (_b, _p, gen) => [{ type: "commit_done", data: { gen } }] },
  {
    role: "scrub",
    bg: true,
    events: (b, p) => [
      { type: "scrub_dev_extent", data: { bytenr: s(b), devid: 1, physical: s(p) } },
      { type: "set_ro", data: { bytenr: s(b) } },
      { type: "scrub_chunk", data: { bytenr: s(b) } },
      { type: "clear_ro", data: { bytenr: s(b) } },
    ],
  },
  {
    role: "trim",
    bg: true,
    events: (b, p) => [
      { type: "trim_bg", data: { bytenr: s(b) } },
      { type: "discard_start", data: { bytenr: s(b), devid: 1, physical: s(p), len: s(1n << 20n) } },
      { type: "discard_end", data: { bytenr: s(b) } },
      { type: "trim_bg_end", data: { bytenr: s(b) } },
    ],
  },
  { role: "writer", bg: true, events: (b) => [{ type: "bg_alloc", data: { bytenr: s(b), start: s(b), len: s(16n << 10n) } }] },
  { role: "cleaner", bg: true, events: (b) => [{ type: "unused_bg_check", data: { bytenr: s(b), outcome: "skip" } }] },
  {
    role: "balance",
    bg: true,
    events: (b) => [
      { type: "relocate_chunk", data: { bytenr: s(b) } },
      { type: "relocate_bg", data: { bytenr: s(b) } },
      { type: "set_ro", data: { bytenr: s(b) } },
      { type: "remove_chunk", data: { bytenr: s(b) } },
      { type: "remove_block_group", data: { bytenr: s(b) } },
    ],
  },
];

/** What a new actor of a role is called (comm), as the seeds name such tasks. */
const COMM_OF_ROLE: Readonly<Record<Role, string>> = {
  balance: "btrfs",
  cleaner: "btrfs-cleaner",
  trim: "fstrim",
  scrub: "btrfs",
  allocator: "kworker/u8:6",
  writer: "kworker/u8:7",
  committer: "btrfs-transaction",
};

const NOISE_NAMES = ["Z", "V", "U", "Q", "P", "N"];
const ACTOR_NAMES = ["T", "S", "U", "V", "W", "Z", "P", "Q", "R", "N", "M", "K"];

/** Deterministic choices (a linear congruential generator): the same request makes the same exercise. */
export function chooser(seed: number): (n: number) => number {
  let x = (seed * 2654435761 + 12345) >>> 0;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}

function addressesOf(d: Draft): bigint[] {
  const out: bigint[] = d.names.map(([, v]) => v);
  for (const e of d.events) {
    const data = e.data as Record<string, unknown>;
    const len = typeof data.len === "bigint" ? data.len : 0n;
    for (const k of ["bytenr", "physical", "start"]) if (typeof data[k] === "bigint") out.push((data[k] as bigint) + len);
    if (Array.isArray(data.stripes)) for (const st of data.stripes as { physical: bigint }[]) out.push(st.physical + len);
  }
  return out;
}

export interface NoisePlan {
  /** Most groups mixed in. */
  readonly groups: number;
  /** Of which at most this many by new actors; at least `minNewActors` when any fits. */
  readonly newActors: number;
  readonly minNewActors: number;
}

export const NO_NOISE: NoisePlan = { groups: 0, newActors: 0, minNewActors: 0 };

/**
 * Mixes up to `plan.groups` groups into the draft, each placed where `keeps`
 * (a replay of the result) says the key is unchanged; tries a few places per
 * group. Deterministic for a seed.
 */
export function mixNoise(d: Draft, plan: NoisePlan, seed: number, keeps: (candidate: Draft) => boolean): Draft {
  if (plan.groups === 0) return d;
  const pick = chooser(seed);
  const top = addressesOf(d).reduce((m, v) => (v > m ? v : m), 0n);
  let nextBg = ((top + GIB) / GIB + 1n) * GIB;
  const freeNames = NOISE_NAMES.filter((n) => !d.names.some(([x]) => x === n));
  let nextPid = Math.max(...d.actors.map((a) => a.pid), 1000) + 1;
  let gen = 900 + pick(50);
  // Groups of roles already in the trace first (steps grow), then new actors (actors grow).
  const present = new Set(d.actors.map((a) => a.role));
  const order = GROUPS.map((g, i) => ({ g, r: pick(1000), i })).sort((a, b) => a.r - b.r).map((x) => x.g);
  const own = order.filter((g) => present.has(g.role));
  const fresh = order.filter((g) => !present.has(g.role));
  const queue = plan.minNewActors > 0 ? [...fresh.slice(0, plan.minNewActors), ...own, ...fresh.slice(plan.minNewActors)] : [...own, ...fresh];
  let cur = d;
  let mixed = 0;
  let added = 0;
  for (const g of queue) {
    if (mixed >= plan.groups) break;
    const existing = cur.actors.find((a) => a.role === g.role);
    if (!existing && added >= plan.newActors) continue;
    const actor: WrittenActor = existing ?? {
      name: ACTOR_NAMES.find((n) => !cur.actors.some((a) => a.name === n)) ?? `N${nextPid}`,
      pid: nextPid,
      comm: COMM_OF_ROLE[g.role],
      role: g.role,
      cpu: null,
    };
    const bg = nextBg;
    const name = g.bg ? freeNames[0] : undefined;
    const names: Draft["names"] = name !== undefined ? [...cur.names, [name, bg]] : cur.names;
    const events = g
      .events(bg, bg + GIB / 2n, gen)
      .map((w) => decodeEvent({ type: w.type, data: w.data, origin: { pid: actor.pid, comm: actor.comm, cpu: actor.cpu } }));
    const places = slots(cur, existing?.pid ?? null);
    for (let attempt = 0; attempt < 6; attempt++) {
      const candidate = insert({ ...cur, names, actors: existing ? cur.actors : [...cur.actors, actor] }, events, places[pick(places.length)]!, pick);
      if (keeps(candidate)) {
        cur = candidate;
        mixed++;
        if (!existing) {
          added++;
          nextPid++;
        }
        if (g.bg) nextBg += 2n * GIB;
        if (name !== undefined) freeNames.shift();
        gen++;
        break;
      }
    }
  }
  return cur;
}

/**
 * Where a task's noise may go: anywhere for a new task; for one already in the
 * trace, between two of its chains (a task works on one block group at a
 * time: balance does not start relocating another chunk in the middle of
 * one). Ranges of insertion points (an event is inserted before index i).
 */
function slots(d: Draft, pid: number | null): { from: number; to: number }[] {
  const n = d.events.length;
  if (pid === null) return [{ from: 0, to: n }];
  const chains = draftTrace(d).events.map((e) => e.chain?.id ?? null);
  const own = d.events.flatMap((e, i) => (e.origin.pid === pid ? [i] : []));
  if (own.length === 0) return [{ from: 0, to: n }];
  const out = [{ from: 0, to: own[0]! }];
  own.forEach((i, j) => {
    const next = own[j + 1];
    if (next === undefined) out.push({ from: i + 1, to: n });
    else if (chains[i] === null || chains[i] !== chains[next]) out.push({ from: i + 1, to: next });
  });
  return out;
}

/** The events at chosen places of a range of the trace, in their own order. */
function insert(d: Draft, events: readonly RaceEvent[], range: { from: number; to: number }, pick: (n: number) => number): Draft {
  const n = d.events.length;
  const at = events.map(() => range.from + pick(range.to - range.from + 1)).sort((a, b) => a - b);
  const out: RaceEvent[] = [];
  const origins: (number | null)[] = [];
  let k = 0;
  for (let i = 0; i <= n; i++) {
    while (k < at.length && at[k] === i) {
      out.push(events[k++]!);
      origins.push(null);
    }
    if (i < n) {
      out.push(d.events[i]!);
      origins.push(d.origins[i]!);
    }
  }
  return { ...d, events: out, origins };
}
