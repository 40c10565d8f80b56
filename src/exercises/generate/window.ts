/**
 * The window of a trace around a finding: the events from some way before the
 * failing one to a few after it, widened back to the first event of every
 * chain it cuts (a chain's first step takes the locks and opens the handle a
 * replay relies on), as a draft of its own: tasks named A, B, … by their
 * first event, each given the role its chains show (so that the scenario
 * text binds its steps alike), the failing block group named X.
 */
import type { ChainKind, RaceEvent } from "../../events/types.ts";
import type { Role } from "../../events/binding.ts";
import type { PreparedTrace } from "../../replay/check.ts";
import type { WrittenActor } from "../../scenario/write.ts";
import type { Draft } from "./draft.ts";

/** The role a task's chains show (DOMAIN §6.3: the role decides which chain a shared step opens). */
const ROLE_OF_CHAIN: Readonly<Record<ChainKind, Role>> = {
  relocation: "balance",
  deletion: "cleaner",
  trim: "trim",
  scrub: "scrub",
  creation: "allocator",
};

const ACTOR_NAMES = "ABCDEFGHIJKLMNOPRSTUVW".split("");
const BG_NAMES = ["X", "Y", "W", "V", "U", "Q"];

export interface Window {
  /** Source indices (0-based), first and last kept. */
  readonly from: number;
  readonly to: number;
}

/** Events `before` ahead of index `at` to `after` behind it, widened to whole chains at the front. */
export function windowAround(trace: PreparedTrace, at: number, before: number, after: number): Window {
  const chains = trace.events.map((e) => e.ev.chain?.id ?? null);
  let from = Math.max(0, at - before);
  const to = Math.min(chains.length - 1, at + after);
  for (let moved = true; moved; ) {
    moved = false;
    const cut = new Set(chains.slice(from, at + 1).filter((c): c is number => c !== null));
    const first = chains.findIndex((c) => c !== null && cut.has(c));
    if (first >= 0 && first < from) {
      from = first;
      moved = true;
    }
  }
  return { from, to };
}

const bytenrOf = (e: { data: unknown }): bigint | null => (e.data as { bytenr?: bigint | null }).bytenr ?? null;

/** The window as a draft; `subject` (the failing block group) is named X. */
export function windowDraft(trace: PreparedTrace, w: Window, subject: bigint | null): Draft {
  const slice = trace.events.slice(w.from, w.to + 1);
  const actors = new Map<number, WrittenActor>();
  const roles = new Map<number, Role>();
  const usedPids = new Set(slice.map((e) => e.ev.origin.pid));
  let spare = 90_000;
  for (const { ev } of slice) {
    const role = ev.chain ? ROLE_OF_CHAIN[ev.chain.kind] : null;
    if (role && !roles.has(ev.origin.pid)) roles.set(ev.origin.pid, role);
  }
  for (const { ev } of slice) {
    const pid = ev.origin.pid;
    if (actors.has(pid)) continue;
    // A CPU's unknown task has a negative pid (DOMAIN §6.1); a scenario's pids are not negative.
    let written = pid;
    if (pid < 0) {
      while (usedPids.has(spare)) spare++;
      written = spare++;
    }
    actors.set(pid, { name: ACTOR_NAMES[actors.size] ?? `T${actors.size}`, pid: written, comm: ev.origin.comm, role: roles.get(pid) ?? null, cpu: null });
  }
  const bgs = [...new Set(slice.map((e) => bytenrOf(e.ev)).filter((b): b is bigint => b !== null))];
  const ordered = subject === null ? bgs : [subject, ...bgs.filter((b) => b !== subject)];
  const names = ordered.slice(0, BG_NAMES.length).map((b, i) => [BG_NAMES[i]!, b] as const);
  return {
    actors: [...actors.values()],
    names,
    events: slice.map(({ ev }) => ({ type: ev.type, data: ev.data, origin: { ...ev.origin, pid: actors.get(ev.origin.pid)!.pid }, chain: null }) as RaceEvent),
    origins: slice.map((_, i) => w.from + i),
  };
}
