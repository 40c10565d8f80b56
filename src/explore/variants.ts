/**
 * Distinct counterexamples of one bug, shortest first: the explorer keeps the
 * shortest schedule of each (race, effect); exercises want more than one.
 * Starting from it, a breadth-first search moves one step at a time — two
 * adjacent steps of different tasks swapped, or one more step of a task run
 * before the failing one — and keeps every schedule that the explorer's own
 * replay (the same engine options, the same transaction-handle rule) ends in
 * the same race and effect at its last step, with no warning.
 *
 * Two schedules are the same counterexample when they order the events of
 * each block group alike (events on different block groups commute; an event
 * without a block group, such as a commit, is ordered against all): the
 * schedules kept differ in some order a student can see matter.
 */
import type { RaceEffect } from "../events/races.ts";
import type { RaceId } from "../replay/types.ts";
import { Engine } from "../replay/engine.ts";
import type { RuleSet } from "../rules/types.ts";
import type { Schedule } from "./explore.ts";
import type { Program } from "./program.ts";
import { EXPLORE_ENGINE_OPTIONS, type HandleWindow, handleWindows, waitsForHandle } from "./semantics.ts";

export interface VariantOptions {
  /** Most schedules replayed while searching (default 3000). */
  readonly budget?: number;
}

interface Target {
  readonly race: RaceId;
  readonly effect: RaceEffect;
}

/** Does the schedule end, at its last step and not before, in the bug, with no warning and no undecided point? */
function endsInBug(program: Program, rules: RuleSet, windows: readonly (readonly HandleWindow[])[], schedule: Schedule, bug: Target): boolean {
  const eng = new Engine(rules, { ...EXPLORE_ENGINE_OPTIONS, itemsUnknown: program.itemsUnknown });
  const pcs = program.steps.map(() => 0);
  for (const a of schedule) {
    if (eng.stopped) return false;
    const e = program.steps[a]?.[pcs[a]!];
    if (!e || waitsForHandle(eng, program.actors, program.steps, windows, pcs, a)) return false;
    eng.push(e);
    pcs[a]!++;
  }
  const f = eng.findings[eng.findings.length - 1];
  return eng.stopped && f?.race === bug.race && f.effect === bug.effect && eng.warnings.length === 0 && eng.undecided.length === 0 && eng.forkPoints.length === 0;
}

/** Per block group, the order of its events (actor and step); events without one join every order. */
export function orderKey(program: Program, schedule: Schedule): string {
  const pcs = program.steps.map(() => 0);
  const orders = new Map<string, string[]>();
  const global: string[] = [];
  for (const a of schedule) {
    const e = program.steps[a]![pcs[a]!]!;
    const label = `${a}.${pcs[a]}`;
    pcs[a]!++;
    const b = (e.ev.data as { bytenr?: bigint | null }).bytenr;
    if (b === undefined || b === null) {
      global.push(label);
      for (const o of orders.values()) o.push(label);
      continue;
    }
    const k = b.toString();
    let o = orders.get(k);
    if (!o) orders.set(k, (o = [...global]));
    o.push(label);
  }
  return JSON.stringify([global, [...orders.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))]);
}

/** Schedules one move away: two adjacent steps of different tasks swapped, or a task's next step run before the last one. */
function moves(program: Program, s: Schedule): Schedule[] {
  const out: Schedule[] = [];
  for (let i = 0; i + 1 < s.length; i++) {
    if (s[i] === s[i + 1]) continue;
    const t = s.slice();
    [t[i], t[i + 1]] = [t[i + 1]!, t[i]!];
    out.push(t);
  }
  const used = program.steps.map(() => 0);
  for (const a of s) used[a]!++;
  program.steps.forEach((steps, a) => {
    if (used[a]! >= steps.length) return;
    for (let p = 0; p < s.length; p++) out.push([...s.slice(0, p), a, ...s.slice(p)]);
  });
  return out;
}

/**
 * Up to `max` distinct counterexamples of `bug`, its own schedule first, then
 * by length and by distance from it. Deterministic.
 */
export function distinctCounterexamples(program: Program, rules: RuleSet, bug: Target & { readonly schedule: Schedule }, max: number, opts: VariantOptions = {}): Schedule[] {
  const windows = program.steps.map((s) => handleWindows(s));
  const kept: Schedule[] = [bug.schedule];
  const keys = new Set([orderKey(program, bug.schedule)]);
  const seen = new Set([bug.schedule.join(",")]);
  let budget = opts.budget ?? 3000;
  // Buckets by length: every schedule of one length before any longer one.
  const buckets = new Map<number, Schedule[]>([[bug.schedule.length, [bug.schedule]]]);
  for (let len = bug.schedule.length; kept.length < max && budget > 0; len++) {
    const queue = buckets.get(len);
    if (!queue) {
      if ([...buckets.keys()].every((k) => k < len)) break;
      continue;
    }
    for (let i = 0; i < queue.length && kept.length < max && budget > 0; i++) {
      for (const next of moves(program, queue[i]!)) {
        const id = next.join(",");
        if (seen.has(id)) continue;
        seen.add(id);
        if (--budget < 0) break;
        if (!endsInBug(program, rules, windows, next, bug)) continue;
        let bucket = buckets.get(next.length);
        if (!bucket) buckets.set(next.length, (bucket = []));
        bucket.push(next);
        const key = orderKey(program, next);
        if (keys.has(key)) continue;
        keys.add(key);
        kept.push(next);
        if (kept.length >= max) break;
      }
    }
    buckets.delete(len);
  }
  return kept.sort((a, b) => a.length - b.length);
}
