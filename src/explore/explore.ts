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
import { stateKey } from "./engine-state.ts";
import { type Footprint, conflicts, pushFootprint } from "./footprint.ts";
import { type Program, naiveCount, totalSteps } from "./program.ts";
import { EXPLORE_ENGINE_OPTIONS, type HandleWindow, handleWindows, waitsForHandle, windowEdges } from "./semantics.ts";

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

/** Checks the bounds and runs one exploration (`Exploration`). */
export function exploreProgram(program: Program, rules: RuleSet, opts: ExploreOptions = {}): ExploreResult {
  return new Exploration(program, rules, opts).run();
}

/**
 * One depth-first search over the schedules of a program: the search state
 * (visited states with their sleep sets, the current path) and what it has
 * found so far (outcomes, the shortest schedule of each bug).
 */
class Exploration {
  private readonly t0 = performance.now();
  private readonly reduction: boolean;
  private readonly caching: boolean;
  private readonly total: number;
  private readonly maxSteps: number;
  private readonly maxStates: number;
  private readonly n: number;
  private readonly lens: readonly number[];
  /** Each actor's transaction-handle windows (semantics.ts rule 3) and the program indices that open or close one. */
  private readonly windows: readonly HandleWindow[][];
  private readonly edges: readonly ReadonlySet<number>[];
  private readonly anyWindows: boolean;

  /** States visited, repeats included (the bound of an uncached search). */
  private visits = 0;
  /** Non-terminal states → sleep set stored with them (reduction), or just seen. */
  private readonly visited = new Map<string, number>();
  private readonly terminals = new Set<string>();
  private schedules = 0;
  private transitions = 0;
  private readonly outcomes = { bug: 0, clean: 0, undecidable: 0, inconsistent: 0 };
  private readonly pruned = { cached: 0, asleep: 0 };
  private depthCut = 0;
  private statesFull = false;
  private readonly bugs = new Map<string, FoundBug>();
  private undecidable: FoundSchedule | null = null;
  private inconsistent: FoundSchedule | null = null;
  private readonly path: number[] = [];
  private entered = 0;

  constructor(
    private readonly program: Program,
    private readonly rules: RuleSet,
    private readonly opts: ExploreOptions,
  ) {
    this.reduction = opts.reduction ?? true;
    this.caching = opts.stateCaching ?? this.reduction;
    this.total = totalSteps(program);
    this.maxSteps = opts.maxSteps ?? this.total;
    this.maxStates = opts.maxStates ?? DEFAULT_MAX_STATES;
    if (!Number.isInteger(this.maxSteps) || this.maxSteps < 1) throw new ExploreError(`maxSteps must be a positive integer, got ${this.maxSteps}`);
    if (!Number.isInteger(this.maxStates) || this.maxStates < 1) throw new ExploreError(`maxStates must be a positive integer, got ${this.maxStates}`);
    this.n = program.steps.length;
    this.lens = program.steps.map((s) => s.length);
    this.windows = program.steps.map((s) => handleWindows(s));
    this.edges = this.windows.map((w) => windowEdges(w));
    this.anyWindows = this.windows.some((w) => w.length > 0);
  }

  private stateCount(): number {
    return this.visited.size + this.terminals.size;
  }

  private fpOf(f: { eng: Engine; pcs: readonly number[]; fps: (Footprint | undefined)[] }, a: number): Footprint {
    let fp = f.fps[a];
    if (!fp) f.fps[a] = fp = pushFootprint(f.eng, this.rules, this.program.steps[a]![f.pcs[a]!]!, this.edges[a]!.has(f.pcs[a]!));
    return fp;
  }

  /** Actors whose next event may be pushed now. */
  private enabledAt(eng: Engine, pcs: readonly number[]): number[] {
    const out: number[] = [];
    if (eng.stopped) return out;
    const { program, n } = this;
    for (let a = 0; a < n; a++) {
      if (pcs[a]! >= this.lens[a]!) continue;
      if (this.anyWindows && waitsForHandle(eng, program.actors, program.steps, this.windows, pcs, a)) continue;
      out.push(a);
    }
    return out;
  }

  private step(eng: Engine, pcs: readonly number[], a: number): Engine {
    const child = eng.clone();
    child.push(this.program.steps[a]![pcs[a]!]!);
    this.transitions++;
    return child;
  }

  /** Runs both orders of every pair the footprints call independent; throws on a difference. */
  private verify(eng: Engine, pcs: number[], enabled: number[], fps: (Footprint | undefined)[]): void {
    const { program } = this;
    const f = { eng, pcs, fps };
    for (let i = 0; i < enabled.length; i++) {
      for (let j = i + 1; j < enabled.length; j++) {
        const a = enabled[i]!;
        const b = enabled[j]!;
        if (conflicts(this.fpOf(f, a), this.fpOf(f, b))) continue;
        const pa = pcs.slice();
        pa[a]!++;
        const pb = pcs.slice();
        pb[b]!++;
        const sa = this.step(eng, pcs, a);
        const sb = this.step(eng, pcs, b);
        const ea = program.steps[a]![pcs[a]!]!.ev;
        const eb = program.steps[b]![pcs[b]!]!.ev;
        const wrong = (what: string) =>
          new ExploreError(
            `independence claim wrong after [${this.path.join(",")}]: ${program.actors[a]!.name} ${ea.type} and ${program.actors[b]!.name} ${eb.type} ${what} ` +
              `(footprints ${JSON.stringify(this.fpOf(f, a))} / ${JSON.stringify(this.fpOf(f, b))})`,
          );
        // Neither may enable or disable the other …
        if (!sa.stopped && !this.enabledAt(sa, pa).includes(b)) throw wrong("do not commute: the first disables the second");
        if (!sb.stopped && !this.enabledAt(sb, pb).includes(a)) throw wrong("do not commute: the second disables the first");
        // … and both orders reach the same state.
        const ab = this.step(sa, pa, b);
        const ba = this.step(sb, pb, a);
        this.transitions -= 4;
        const both = pcs.slice();
        both[a]!++;
        both[b]!++;
        if (stateKey(ab, both) !== stateKey(ba, both)) throw wrong("do not commute");
      }
    }
  }

  private finishSchedule(eng: Engine, pcs: readonly number[]): void {
    this.schedules++;
    const depth = this.path.length;
    const { outcomes } = this;
    if (eng.stopped) {
      outcomes.bug++;
      const f = eng.findings[eng.findings.length - 1]!;
      const k = `${f.race}|${f.effect}`;
      const known = this.bugs.get(k);
      if (!known || depth < known.schedule.length) {
        this.bugs.set(k, { race: f.race!, effect: f.effect as RaceEffect, schedule: this.path.slice(), message: f.message, forked: eng.forkPoints.length > 0 });
      }
      return;
    }
    if (pcs.some((pc, a) => pc < this.lens[a]!)) {
      // Every task left waits for another's transaction handle: no recording ends like this.
      outcomes.inconsistent++;
      const waiting = this.program.actors.filter((_, a) => pcs[a]! < this.lens[a]!).map((x) => x.name);
      if (!this.inconsistent || depth < this.inconsistent.schedule.length) this.inconsistent = { schedule: this.path.slice(), why: `no task can go on (${waiting.join(", ")} wait for a transaction handle)` };
      return;
    }
    const end = eng.clone();
    end.finish();
    const inv = end.findings.find((x) => x.race === null);
    if (end.undecided.length > 0) {
      outcomes.undecidable++;
      if (!this.undecidable || depth < this.undecidable.schedule.length) this.undecidable = { schedule: this.path.slice(), why: end.undecided[0]!.why };
    } else if (inv) {
      outcomes.inconsistent++;
      if (!this.inconsistent || depth < this.inconsistent.schedule.length) this.inconsistent = { schedule: this.path.slice(), why: inv.message };
    } else outcomes.clean++;
  }

  /** Arrives at a state with sleep set z; returns the frame to explore, or null. */
  private enter(eng: Engine, pcs: number[], z: number): Frame | null {
    const { caching, maxStates } = this;
    if (this.opts.progress && ++this.entered % PROGRESS_EVERY === 0) this.opts.progress(caching ? this.stateCount() : this.visits, maxStates);
    const enabled = this.enabledAt(eng, pcs);
    const key = stateKey(eng, pcs);
    if (enabled.length === 0) {
      if (!caching && ++this.visits > maxStates) {
        this.statesFull = true;
        return null;
      }
      if (!this.terminals.has(key)) {
        if (caching && this.stateCount() >= maxStates) {
          this.statesFull = true;
          return null;
        }
        this.terminals.add(key);
      }
      this.finishSchedule(eng, pcs);
      return null;
    }
    let todo: number[];
    if (caching) {
      const old = this.visited.get(key);
      if (old !== undefined) {
        todo = enabled.filter((a) => (old & bit(a)) !== 0 && (z & bit(a)) === 0);
        this.visited.set(key, old & z);
        if (todo.length === 0) {
          this.pruned.cached++;
          return null;
        }
      } else {
        if (this.stateCount() >= maxStates) {
          this.statesFull = true;
          return null;
        }
        this.visited.set(key, z);
        todo = enabled.filter((a) => (z & bit(a)) === 0);
        if (todo.length === 0) {
          this.pruned.asleep++;
          return null;
        }
      }
    } else {
      if (++this.visits > maxStates) {
        this.statesFull = true;
        return null;
      }
      this.visited.set(key, 0);
      todo = enabled;
    }
    if (this.path.length >= this.maxSteps) {
      this.depthCut++;
      return null;
    }
    const fps: (Footprint | undefined)[] = new Array(this.n);
    if (this.opts.verifyIndependence && this.reduction) this.verify(eng, pcs, enabled, fps);
    return { eng, pcs, todo, next: 0, zcur: z, fps };
  }

  run(): ExploreResult {
    const { n, path } = this;
    const stack: Frame[] = [];
    const root = this.enter(new Engine(this.rules, { ...EXPLORE_ENGINE_OPTIONS, itemsUnknown: this.program.itemsUnknown }), new Array(n).fill(0), 0);
    if (root) stack.push(root);
    while (stack.length > 0 && !this.statesFull) {
      const f = stack[stack.length - 1]!;
      if (f.next >= f.todo.length) {
        stack.pop();
        if (stack.length > 0) path.pop();
        continue;
      }
      const t = f.todo[f.next++]!;
      const child = this.step(f.eng, f.pcs, t);
      const pcs = f.pcs.slice();
      pcs[t]!++;
      // Sleep set of the child: the parent's sleepers (and siblings done) that commute with t.
      let z = 0;
      if (this.reduction && f.zcur !== 0) {
        const ft = this.fpOf(f, t);
        for (let u = 0; u < n; u++) if ((f.zcur & bit(u)) !== 0 && !conflicts(this.fpOf(f, u), ft)) z |= bit(u);
      }
      f.zcur |= bit(t);
      path.push(t);
      const fr = this.enter(child, pcs, z);
      if (fr) stack.push(fr);
      else path.pop();
    }
    return this.result();
  }

  private result(): ExploreResult {
    const { caching, maxStates, maxSteps } = this;
    const limits: string[] = [];
    if (this.statesFull) {
      limits.push(
        caching
          ? `state bound hit: stopped after ${this.stateCount()} distinct states (--max-states ${maxStates}); schedules not explored may hold other bugs`
          : `state bound hit: stopped after visiting ${maxStates} states, repeats included (--max-states ${maxStates}, no reduction); schedules not explored may hold other bugs`,
      );
    }
    if (this.depthCut > 0) {
      limits.push(`step bound hit: ${this.depthCut} schedule prefix(es) cut at ${maxSteps} of ${this.total} events (--max-steps ${maxSteps}); bugs that need more steps are not covered`);
    }
    const raceOrder = (b: FoundBug) => RACE_IDS.indexOf(b.race);
    return {
      program: this.program,
      rules: this.rules,
      reduction: this.reduction,
      schedules: this.schedules,
      states: this.stateCount(),
      transitions: this.transitions,
      naive: naiveCount(this.program),
      outcomes: this.outcomes,
      pruned: this.pruned,
      complete: limits.length === 0,
      limits,
      bugs: [...this.bugs.values()].sort((a, b) => raceOrder(a) - raceOrder(b) || (a.effect < b.effect ? -1 : a.effect > b.effect ? 1 : 0)),
      undecidable: this.undecidable,
      inconsistent: this.inconsistent,
      maxSteps,
      maxStates,
      elapsedMs: performance.now() - this.t0,
    };
  }
}
