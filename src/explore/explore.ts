/**
 * The interleaving explorer (issue 7): every schedule of a set of programs,
 * replayed by the replay engine under a rule set.
 *
 * A schedule is a recorded order: at each step one actor's next event is
 * pushed into the engine, which applies it under the rules (lock M may make
 * the actor wait, DOMAIN §4.3). A schedule ends when every event is pushed or
 * at the first effect (the replay stops there). Its outcome is that of the
 * replay: bug (race, effect), clean, undecidable (§4.7: reported apart,
 * never as a bug), or inconsistent (an invariant finding: the order is not one
 * the modelled kernel allows).
 *
 * Search: depth-first over engine states with
 * - state caching: a state is recognised by a canonical key (filesystem +
 *   scheduler state + how far each program got);
 * - sleep sets (Godefroid): after exploring actor t from a state, t "sleeps"
 *   in the sibling branches whose first step commutes with it (disjoint
 *   footprints, `footprint.ts`), so each equivalence class of schedules is run
 *   about once. With state caching the sleep set is stored with the state and
 *   a revisit explores only what slept before and is awake now (and
 *   intersects the two), which keeps every reachable state visited.
 * Every state sits at a fixed depth (the number of events pushed), so the
 * first schedule that reaches the shallowest state with a given effect is a
 * shortest counterexample.
 *
 * `reduction: false` is brute force: every interleaving, no sleep sets and
 * (unless `stateCaching`) no caching; the bound on states then counts every
 * state visited, repeats included.
 */
import { type RaceEffect } from "../projections/evolve.ts";
import { Engine } from "../replay/engine.ts";
import type { RaceId } from "../replay/types.ts";
import type { RuleSet } from "../rules/types.ts";
import { RACE_IDS } from "../events/races.ts";
import { isWaiting, stateKey } from "./engine-state.ts";
import { type Footprint, conflicts, pushFootprint } from "./footprint.ts";
import { type Program, naiveCount, totalSteps } from "./program.ts";
import { EXPLORE_ENGINE_OPTIONS, type HandleWindow, WAITS_FOR_HANDLES, handleWindows, windowEdges } from "./semantics.ts";

export const DEFAULT_MAX_STATES = 200_000;

export interface ExploreOptions {
  /** Longest schedule explored (events pushed); default: all events. */
  readonly maxSteps?: number | null;
  /** Most distinct states visited; default DEFAULT_MAX_STATES. */
  readonly maxStates?: number | null;
  /** Partial-order reduction (sleep sets) and state caching (default true); false = brute force. */
  readonly reduction?: boolean;
  /** State caching (default: as `reduction`); with `reduction: false` it explores the full state graph once. */
  readonly stateCaching?: boolean;
  /** Check every independence the reduction relies on by running both orders (slow; tests). */
  readonly verifyIndependence?: boolean;
  /** Hears, every few thousand states entered, how many count against the bound `maxStates`. */
  readonly progress?: (states: number, maxStates: number) => void;
}

/** States entered between two calls of `progress`. */
const PROGRESS_EVERY = 1 << 12;

/** A schedule: actor indices, one per step (the actor whose next event is pushed). */
export type Schedule = readonly number[];

export interface FoundBug {
  readonly race: RaceId;
  readonly effect: RaceEffect;
  /** Shortest counterexample: the schedule up to the event at which the effect fires. */
  readonly schedule: Schedule;
  readonly message: string;
  /** A deferred check on the way could go either way (§4.7 e): confirm with the normal check. */
  readonly forked: boolean;
}

export interface FoundSchedule {
  readonly schedule: Schedule;
  readonly why: string;
}

export interface ExploreResult {
  readonly program: Program;
  readonly rules: RuleSet;
  readonly reduction: boolean;
  /** Schedules run to their end (all events pushed, or the first effect). */
  readonly schedules: number;
  /** Distinct states visited (canonical keys). */
  readonly states: number;
  /** Events pushed in total (one per explored edge). */
  readonly transitions: number;
  /** Interleavings of the programs without any reduction: the multinomial of their lengths. */
  readonly naive: bigint;
  readonly outcomes: { readonly bug: number; readonly clean: number; readonly undecidable: number; readonly inconsistent: number };
  /** Branches not run: the state was explored already, or every next step was asleep. */
  readonly pruned: { readonly cached: number; readonly asleep: number };
  /** True when no bound was hit: the statements below hold for every schedule. */
  readonly complete: boolean;
  /** One message per bound hit. */
  readonly limits: readonly string[];
  /** One per (race, effect), in race order (DOMAIN §5). */
  readonly bugs: readonly FoundBug[];
  /** Shortest schedule whose replay ends undecidable, if any. */
  readonly undecidable: FoundSchedule | null;
  /** Shortest schedule with an invariant finding, if any. */
  readonly inconsistent: FoundSchedule | null;
  readonly maxSteps: number;
  readonly maxStates: number;
  readonly elapsedMs: number;
}

interface Frame {
  readonly eng: Engine;
  readonly pcs: number[];
  readonly todo: number[];
  next: number;
  /** Sleep set while exploring this state's children (grows with each explored child). */
  zcur: number;
  readonly fps: (Footprint | undefined)[];
}

const bit = (a: number): number => 1 << a;

export class ExploreError extends Error {}

export function exploreProgram(program: Program, rules: RuleSet, opts: ExploreOptions = {}): ExploreResult {
  const t0 = performance.now();
  const reduction = opts.reduction ?? true;
  const caching = opts.stateCaching ?? reduction;
  /** States visited, repeats included (the bound of an uncached search). */
  let visits = 0;
  const total = totalSteps(program);
  const maxSteps = opts.maxSteps ?? total;
  const maxStates = opts.maxStates ?? DEFAULT_MAX_STATES;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new ExploreError(`maxSteps must be a positive integer, got ${maxSteps}`);
  if (!Number.isInteger(maxStates) || maxStates < 1) throw new ExploreError(`maxStates must be a positive integer, got ${maxStates}`);
  const n = program.steps.length;
  const lens = program.steps.map((s) => s.length);
  const windows: HandleWindow[][] = program.steps.map((s) => handleWindows(s));
  const edges = windows.map((w) => windowEdges(w));
  const anyWindows = windows.some((w) => w.length > 0);

  /** Non-terminal states → sleep set stored with them (reduction), or just seen. */
  const visited = new Map<string, number>();
  const terminals = new Set<string>();
  let schedules = 0;
  let transitions = 0;
  const outcomes = { bug: 0, clean: 0, undecidable: 0, inconsistent: 0 };
  const pruned = { cached: 0, asleep: 0 };
  let depthCut = 0;
  let statesFull = false;
  const bugs = new Map<string, FoundBug>();
  let undecidable: FoundSchedule | null = null;
  let inconsistent: FoundSchedule | null = null;
  const path: number[] = [];

  const stateCount = () => visited.size + terminals.size;

  const fpOf = (f: { eng: Engine; pcs: readonly number[]; fps: (Footprint | undefined)[] }, a: number): Footprint => {
    let fp = f.fps[a];
    if (!fp) f.fps[a] = fp = pushFootprint(f.eng, rules, program.steps[a]![f.pcs[a]!]!, edges[a]!.has(f.pcs[a]!));
    return fp;
  };

  /** Is actor x inside one of its transaction-handle windows (semantics.ts rule 3)? */
  const holdsHandle = (eng: Engine, pcs: readonly number[], x: number): boolean => {
    const pc = pcs[x]!;
    for (const w of windows[x]!) {
      if (w.start < pc && pc <= w.end) {
        if (isWaiting(eng, program.actors[x]!.pid)) return false;
        return w.chain === null || !eng.scheduler().cut.has(w.chain);
      }
    }
    return false;
  };

  /** Actors whose next event may be pushed now. */
  const enabledAt = (eng: Engine, pcs: readonly number[]): number[] => {
    const out: number[] = [];
    if (eng.stopped) return out;
    for (let a = 0; a < n; a++) {
      if (pcs[a]! >= lens[a]!) continue;
      if (anyWindows && WAITS_FOR_HANDLES.has(program.steps[a]![pcs[a]!]!.ev.type) && !isWaiting(eng, program.actors[a]!.pid)) {
        let held = false;
        for (let x = 0; x < n && !held; x++) if (x !== a && holdsHandle(eng, pcs, x)) held = true;
        if (held) continue;
      }
      out.push(a);
    }
    return out;
  };

  const step = (eng: Engine, pcs: readonly number[], a: number): Engine => {
    const child = eng.clone();
    child.push(program.steps[a]![pcs[a]!]!);
    transitions++;
    return child;
  };

  /** Runs both orders of every pair the footprints call independent; throws on a difference. */
  const verify = (eng: Engine, pcs: number[], enabled: number[], fps: (Footprint | undefined)[]): void => {
    const f = { eng, pcs, fps };
    for (let i = 0; i < enabled.length; i++) {
      for (let j = i + 1; j < enabled.length; j++) {
        const a = enabled[i]!;
        const b = enabled[j]!;
        if (conflicts(fpOf(f, a), fpOf(f, b))) continue;
        const pa = pcs.slice();
        pa[a]!++;
        const pb = pcs.slice();
        pb[b]!++;
        const sa = step(eng, pcs, a);
        const sb = step(eng, pcs, b);
        const ea = program.steps[a]![pcs[a]!]!.ev;
        const eb = program.steps[b]![pcs[b]!]!.ev;
        const wrong = (what: string) =>
          new ExploreError(
            `independence claim wrong after [${path.join(",")}]: ${program.actors[a]!.name} ${ea.type} and ${program.actors[b]!.name} ${eb.type} ${what} ` +
              `(footprints ${JSON.stringify(fpOf(f, a))} / ${JSON.stringify(fpOf(f, b))})`,
          );
        // Neither may enable or disable the other …
        if (!sa.stopped && !enabledAt(sa, pa).includes(b)) throw wrong("do not commute: the first disables the second");
        if (!sb.stopped && !enabledAt(sb, pb).includes(a)) throw wrong("do not commute: the second disables the first");
        // … and both orders reach the same state.
        const ab = step(sa, pa, b);
        const ba = step(sb, pb, a);
        transitions -= 4;
        const both = pcs.slice();
        both[a]!++;
        both[b]!++;
        if (stateKey(ab, both) !== stateKey(ba, both)) throw wrong("do not commute");
      }
    }
  };

  const finishSchedule = (eng: Engine, pcs: readonly number[]): void => {
    schedules++;
    const depth = path.length;
    if (eng.stopped) {
      outcomes.bug++;
      const f = eng.findings[eng.findings.length - 1]!;
      const k = `${f.race}|${f.effect}`;
      const known = bugs.get(k);
      if (!known || depth < known.schedule.length) {
        bugs.set(k, { race: f.race!, effect: f.effect as RaceEffect, schedule: path.slice(), message: f.message, forked: eng.forkPoints.length > 0 });
      }
      return;
    }
    if (pcs.some((pc, a) => pc < lens[a]!)) {
      // Every task left waits for another's transaction handle: no recording ends like this.
      outcomes.inconsistent++;
      const waiting = program.actors.filter((_, a) => pcs[a]! < lens[a]!).map((x) => x.name);
      if (!inconsistent || depth < inconsistent.schedule.length) inconsistent = { schedule: path.slice(), why: `no task can go on (${waiting.join(", ")} wait for a transaction handle)` };
      return;
    }
    const end = eng.clone();
    end.finish();
    const inv = end.findings.find((x) => x.race === null);
    if (end.undecided.length > 0) {
      outcomes.undecidable++;
      if (!undecidable || depth < undecidable.schedule.length) undecidable = { schedule: path.slice(), why: end.undecided[0]!.why };
    } else if (inv) {
      outcomes.inconsistent++;
      if (!inconsistent || depth < inconsistent.schedule.length) inconsistent = { schedule: path.slice(), why: inv.message };
    } else outcomes.clean++;
  };

  /** Arrives at a state with sleep set z; returns the frame to explore, or null. */
  let entered = 0;
  const enter = (eng: Engine, pcs: number[], z: number): Frame | null => {
    if (opts.progress && ++entered % PROGRESS_EVERY === 0) opts.progress(caching ? stateCount() : visits, maxStates);
    const enabled = enabledAt(eng, pcs);
    const key = stateKey(eng, pcs);
    if (enabled.length === 0) {
      if (!caching && ++visits > maxStates) {
        statesFull = true;
        return null;
      }
      if (!terminals.has(key)) {
        if (caching && stateCount() >= maxStates) {
          statesFull = true;
          return null;
        }
        terminals.add(key);
      }
      finishSchedule(eng, pcs);
      return null;
    }
    let todo: number[];
    if (caching) {
      const old = visited.get(key);
      if (old !== undefined) {
        todo = enabled.filter((a) => (old & bit(a)) !== 0 && (z & bit(a)) === 0);
        visited.set(key, old & z);
        if (todo.length === 0) {
          pruned.cached++;
          return null;
        }
      } else {
        if (stateCount() >= maxStates) {
          statesFull = true;
          return null;
        }
        visited.set(key, z);
        todo = enabled.filter((a) => (z & bit(a)) === 0);
        if (todo.length === 0) {
          pruned.asleep++;
          return null;
        }
      }
    } else {
      if (++visits > maxStates) {
        statesFull = true;
        return null;
      }
      visited.set(key, 0);
      todo = enabled;
    }
    if (path.length >= maxSteps) {
      depthCut++;
      return null;
    }
    const fps: (Footprint | undefined)[] = new Array(n);
    if (opts.verifyIndependence && reduction) verify(eng, pcs, enabled, fps);
    return { eng, pcs, todo, next: 0, zcur: z, fps };
  };

  const stack: Frame[] = [];
  const root = enter(new Engine(rules, { ...EXPLORE_ENGINE_OPTIONS, itemsUnknown: program.itemsUnknown }), new Array(n).fill(0), 0);
  if (root) stack.push(root);
  while (stack.length > 0 && !statesFull) {
    const f = stack[stack.length - 1]!;
    if (f.next >= f.todo.length) {
      stack.pop();
      if (stack.length > 0) path.pop();
      continue;
    }
    const t = f.todo[f.next++]!;
    const child = step(f.eng, f.pcs, t);
    const pcs = f.pcs.slice();
    pcs[t]!++;
    let z = 0;
    if (reduction && f.zcur !== 0) {
      const ft = fpOf(f, t);
      for (let u = 0; u < n; u++) if ((f.zcur & bit(u)) !== 0 && !conflicts(fpOf(f, u), ft)) z |= bit(u);
    }
    f.zcur |= bit(t);
    path.push(t);
    const fr = enter(child, pcs, z);
    if (fr) stack.push(fr);
    else path.pop();
  }

  const limits: string[] = [];
  if (statesFull) {
    limits.push(
      caching
        ? `state bound hit: stopped after ${stateCount()} distinct states (--max-states ${maxStates}); schedules not explored may hold other bugs`
        : `state bound hit: stopped after visiting ${maxStates} states, repeats included (--max-states ${maxStates}, no reduction); schedules not explored may hold other bugs`,
    );
  }
  if (depthCut > 0) {
    limits.push(`step bound hit: ${depthCut} schedule prefix(es) cut at ${maxSteps} of ${total} events (--max-steps ${maxSteps}); bugs that need more steps are not covered`);
  }
  const raceOrder = (b: FoundBug) => RACE_IDS.indexOf(b.race);
  return {
    program,
    rules,
    reduction,
    schedules,
    states: stateCount(),
    transitions,
    naive: naiveCount(program),
    outcomes,
    pruned,
    complete: limits.length === 0,
    limits,
    bugs: [...bugs.values()].sort((a, b) => raceOrder(a) - raceOrder(b) || (a.effect < b.effect ? -1 : a.effect > b.effect ? 1 : 0)),
    undecidable,
    inconsistent,
    maxSteps,
    maxStates,
    elapsedMs: performance.now() - t0,
  };
}
