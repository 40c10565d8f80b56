/**
 * Exercises racelab writes itself (issue 16), from two sources:
 *
 * - the explorer's counterexamples of a scenario or trace: the shortest of
 *   each bug first, then distinct ones (`distinctCounterexamples`), each
 *   schedule's trace made into an exercise of the asked kind;
 * - a stored or imported trace: the window around its finding under the
 *   rules (and, for more than one, around the next finding once the races
 *   found are cured), as spot-the-race or predict-the-state.
 *
 * Every exercise passes the definition loader and its key check; two that a
 * student would read alike are one. Refusals are one line: a source with no
 * bug under the rules has nothing to make an exercise of. Pure but for the
 * asynchronous loader (no store: the traces are written inline).
 */
import { DomainError } from "../../errors.ts";
import type { RaceEvent, StoredEvent } from "../../events/types.ts";
import { RACE_IDS } from "../../events/races.ts";
import { scheduleTrace } from "../../explore/counterexample.ts";
import { type FoundBug, exploreProgram } from "../../explore/explore.ts";
import type { Program } from "../../explore/program.ts";
import { distinctCounterexamples } from "../../explore/variants.ts";
import { checkTrace, prepareTrace } from "../../replay/check.ts";
import { FIX_OF_RACE, resolveRules } from "../../rules/index.ts";
import type { RuleSet } from "../../rules/types.ts";
import { SLUG_RE } from "../definition.ts";
import type { ExerciseKind } from "../types.ts";
import { type Difficulty, LEVELS } from "./difficulty.ts";
import { draftOf } from "./draft.ts";
import { type MadeExercise, makeExercise } from "./make.ts";
import { windowAround, windowDraft } from "./window.ts";

export { DIFFICULTIES, type Difficulty, isDifficulty } from "./difficulty.ts";

export interface GenerateRequest {
  readonly kind: ExerciseKind;
  /** The rule set the source is explored or replayed under (default unpatched). */
  readonly rules: readonly string[];
  /** How many exercises (default 1). */
  readonly count?: number;
  readonly difficulty?: Difficulty;
  /** Slugs already used (a course's exercises): new ones avoid them. */
  readonly taken?: readonly string[];
  /** The explorer's bound on states (default its own). */
  readonly maxStates?: number | null;
}

export interface Generation {
  readonly exercises: readonly MadeExercise[];
  /** What was left out and why (fewer exercises than asked, duplicates). */
  readonly notes: readonly string[];
}

export const MAX_COUNT = 20;
/** Kinds a trace's own window makes (its recorded order is the exercise's). */
export const TRACE_KINDS: readonly ExerciseKind[] = ["spot-the-race", "predict-the-state"];

const SLUG_KIND: Readonly<Record<ExerciseKind, string>> = { "spot-the-race": "spot", "be-the-scheduler": "sched", "which-fix": "wf", "predict-the-state": "predict" };

function refuse(problem: string): DomainError {
  return new DomainError("BAD_USER_INPUT", `exercise generate: ${problem}`);
}

interface Settings {
  readonly kind: ExerciseKind;
  readonly rules: RuleSet;
  readonly count: number;
  readonly difficulty: Difficulty;
  /** The next free slug for a race; `take` reserves it. */
  readonly slug: (race: string) => string;
  readonly take: (slug: string) => void;
}

function settings(req: GenerateRequest): Settings {
  const count = req.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw refuse(`--count: expected 1..${MAX_COUNT}, got ${count}`);
  const taken = new Set(req.taken ?? []);
  const difficulty = req.difficulty ?? "medium";
  return {
    kind: req.kind,
    rules: resolveRules(req.rules),
    count,
    difficulty,
    slug: (race) => {
      for (let n = 1; ; n++) {
        const slug = `${SLUG_KIND[req.kind]}-${race}-${difficulty}-${n}`;
        if (!taken.has(slug) && SLUG_RE.test(slug)) return slug;
      }
    },
    take: (slug) => taken.add(slug),
  };
}

/** Makes exercises from candidates in order until `count` read differently; the rest is noted. */
async function collect(s: Settings, candidates: AsyncIterable<{ make: (id: string) => Promise<MadeExercise | string>; race: string; what: string }>, source: string): Promise<Generation> {
  const made: MadeExercise[] = [];
  const looks = new Set<string>();
  const notes: string[] = [];
  let tried = 0;
  let alike = 0;
  for await (const c of candidates) {
    if (made.length >= s.count) break;
    tried++;
    const m = await c.make(s.slug(c.race));
    if (typeof m === "string") {
      notes.push(`${c.what}: ${m}`);
      continue;
    }
    if (looks.has(m.looks)) {
      alike++;
      continue;
    }
    looks.add(m.looks);
    s.take(m.id);
    made.push(m);
  }
  if (made.length === 0) throw refuse(`${source}: no ${s.kind} exercise could be made (${notes[0] ?? "no candidate"})`);
  if (alike > 0) notes.push(`${alike} of ${tried} candidates read like an exercise already made and were left out`);
  if (made.length < s.count) notes.push(`${made.length} of ${s.count} exercises made: ${source} has no more distinct ones at this difficulty`);
  return { exercises: made, notes };
}

const byLength = (a: FoundBug, b: FoundBug) => a.schedule.length - b.schedule.length || RACE_IDS.indexOf(a.race) - RACE_IDS.indexOf(b.race);

/** From the explorer's counterexamples of a program's tasks. */
export async function generateFromProgram(program: Program, req: GenerateRequest): Promise<Generation> {
  const s = settings(req);
  const result = exploreProgram(program, s.rules, { maxStates: req.maxStates ?? null });
  const bugs = result.bugs.filter((b) => !b.forked).sort(byLength);
  if (bugs.length === 0) {
    const scope = result.complete ? `every interleaving of its ${program.actors.length} tasks explored` : `exploration incomplete: ${result.limits[0]}`;
    throw refuse(`${program.name} has no bug under ${s.rules.key} (${scope}): nothing to make an exercise of`);
  }
  // Shortest of each bug first, then their distinct variants, round by round.
  const variants = bugs.map((b) => distinctCounterexamples(program, s.rules, b, s.count * 2));
  async function* candidates() {
    for (let round = 0; round < Math.max(...variants.map((v) => v.length)); round++) {
      for (const [i, b] of bugs.entries()) {
        const schedule = variants[i]![round];
        if (!schedule) continue;
        const draft = draftOf(program.actors, program.names, scheduleTrace(program, s.rules, schedule).events);
        yield {
          race: b.race,
          what: `counterexample ${round + 1} of ${b.effect}`,
          make: (id: string) => makeExercise(draft, { kind: s.kind, race: b.race, rules: s.rules, difficulty: s.difficulty, seed: round * 7 + i, id, noise: true }),
        };
      }
    }
  }
  return collect(s, candidates(), program.name);
}

/** From a trace's own findings: the window around each, as spot-the-race or predict-the-state. */
export async function generateFromTrace(events: readonly (StoredEvent | RaceEvent)[], name: string, req: GenerateRequest): Promise<Generation> {
  const s = settings(req);
  if (!TRACE_KINDS.includes(s.kind)) {
    throw refuse(`--from-trace makes ${TRACE_KINDS.join(" and ")} exercises (a trace's recorded order is their subject), not ${s.kind}: use --from-explore for it`);
  }
  const level = LEVELS[s.difficulty];
  const prepared = prepareTrace(events);
  const first = checkTrace(prepared, s.rules).report;
  if (!first.findings.some((f) => f.race !== null)) throw refuse(`${name} replays ${first.verdict} under ${s.rules.key}: there is no finding to make an exercise of`);
  async function* candidates() {
    // Each next finding shows once the races found so far are cured.
    let rules = s.rules;
    for (let n = 0; n < s.count; n++) {
      const f = checkTrace(prepared, rules).report.findings.find((x) => x.race !== null);
      if (!f || !f.race) return;
      const at = prepared.events.findIndex((e) => e.seq === f.seq);
      const subject = (prepared.events[at]!.ev.data as { bytenr?: bigint | null }).bytenr ?? null;
      const race = f.race;
      const under = rules;
      yield {
        race,
        what: `the finding at seq ${f.seq} (${f.effect})`,
        make: async (id: string) => {
          let why = "";
          // Widen the window until its replay reproduces the finding.
          for (let before = level.before; before <= Math.max(level.before, 400); before *= 2) {
            const m = await makeExercise(windowDraft(prepared, windowAround(prepared, at, before, level.after), subject), { kind: s.kind, race, rules: under, difficulty: s.difficulty, seed: n, id, origin: at, noise: false });
            if (typeof m !== "string") return m;
            why = m;
            if (before >= at) break;
          }
          return why;
        },
      };
      rules = resolveRules([...new Set([...rules.fixes.map((x) => x.id), FIX_OF_RACE[race]])]);
    }
  }
  return collect(s, candidates(), name);
}

// ---- as the edges ask for it (a job's payload and result are plain data) -------------------------

/** `explore`: the interleavings of the tasks' programs; `trace`: the trace's own findings. */
export type GenerationFrom = "explore" | "trace";

/** What to generate from. */
export interface GenerationSource {
  readonly from: GenerationFrom;
  /** explore: a seed scenario's name (a race id, `<race>.benign`) or a scenario's text. */
  readonly scenario: string | null;
  /** A stored trace (its tasks to explore, or its findings). */
  readonly traceId: string | null;
}

export interface GenerationJob extends GenerationSource {
  readonly kind: ExerciseKind;
  readonly rules: readonly string[];
  readonly count: number | null;
  readonly difficulty: Difficulty | null;
  readonly taken: readonly string[];
  readonly maxStates: number | null;
}

export interface GeneratedWire {
  readonly id: string;
  readonly kind: ExerciseKind;
  readonly title: string;
  readonly race: string;
  readonly difficulty: Difficulty;
  /** The definition (YAML). */
  readonly source: string;
}

export interface GenerationWire {
  readonly exercises: readonly GeneratedWire[];
  readonly notes: readonly string[];
}

export function generationWire(g: Generation): GenerationWire {
  return { exercises: g.exercises.map(({ id, kind, title, race, difficulty, source }) => ({ id, kind, title, race, difficulty, source })), notes: g.notes };
}

/** The request's options as the generators take them. */
export function requestOf(job: GenerationJob): GenerateRequest {
  return { kind: job.kind, rules: job.rules, taken: job.taken, maxStates: job.maxStates, ...(job.count !== null ? { count: job.count } : {}), ...(job.difficulty !== null ? { difficulty: job.difficulty } : {}) };
}
