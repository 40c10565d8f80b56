/**
 * Loading an exercise: definition → trace → the answer key checked against
 * the replay. A hand-written key is never trusted: a key the replay
 * contradicts is a load error at the key's line (`file:line: key.seq: …`).
 */
import { UnreachableCaseError } from "../errors.ts";
import { definitionError, parseDefinition, type ParsedDefinition } from "./definition.ts";
import { gradeAnswer, smallestCleanSets, stateAtStep, unpatchedReplay } from "./grade.ts";
import { questionProblem, trueAnswer } from "./questions.ts";
import { loadTrace, programs, type TraceReader } from "./trace.ts";
import type { LoadedExercise, PredictTheStateDef } from "./types.ts";

export interface LoadOptions {
  readonly seedsDir?: string;
  /** For `trace.stored`. */
  readonly store?: TraceReader | null;
  readonly courseId?: string | null;
  /** The id students use; default the definition's slug. */
  readonly ref?: string;
  /** For messages; default the file name. */
  readonly origin?: string;
}

const setText = (fixes: readonly string[]) => (fixes.length === 0 ? "none" : fixes.join(", "));

/** Checks the key of a loaded exercise against the replay; throws `file:line: key…: …`. */
export function verifyKey(p: ParsedDefinition, ex: LoadedExercise): void {
  const def = ex.def;
  const fail = (path: (string | number)[], problem: string): never => {
    throw definitionError(p.file, p.locate(path), path.join("."), problem);
  };
  switch (def.kind) {
    case "spot-the-race": {
      const r = unpatchedReplay(ex).report;
      const f = r.findings[0];
      if (!f) fail(["trace"], `the trace replays ${r.verdict} under unpatched: there is no race to spot`);
      if (f!.race !== def.key.race) fail(["key", "race"], `the replay shows ${f!.race ?? "an invariant violation"} (${f!.effect}), the key says ${def.key.race}`);
      if (f!.seq !== def.key.seq) fail(["key", "seq"], `the replay finds the state first wrong at seq ${f!.seq} (${f!.effect}), the key says ${def.key.seq}`);
      if (def.race !== f!.race) fail(["race"], `the exercise is filed under ${def.race} but its trace shows ${f!.race}`);
      return;
    }
    case "be-the-scheduler": {
      if (programs(ex.trace).length < 2) fail(["trace"], "a schedule needs at least two actors with steps");
      const g = gradeAnswer(ex, { kind: "be-the-scheduler", schedule: def.key.schedule });
      if (!g.correct) fail(["key", "schedule"], `the replay does not accept the key schedule: ${g.checks.filter((c) => !c.ok).map((c) => c.detail).join("; ")}`);
      return;
    }
    case "which-fix": {
      const smallest = smallestCleanSets(ex);
      if (smallest.length === 0) fail(["trace"], "no set of fixes makes this trace clean");
      const key = def.key.fixes;
      if (!smallest.some((s) => s.length === key.length && s.every((f) => key.includes(f)))) {
        const g = gradeAnswer(ex, { kind: "which-fix", fixes: key });
        const why = g.checks.find((c) => !c.ok)?.detail ?? "";
        fail(["key", "fixes"], `{${setText(key)}} is not a smallest set that makes the trace clean (${why}); the replay finds: ${smallest.map((s) => `{${setText(s)}}`).join(" or ")}`);
      }
      return;
    }
    case "predict-the-state": {
      if (def.at > ex.trace.events.length) fail(["at"], `the trace has events 1..${ex.trace.events.length}`);
      const state = stateAtStep(ex as LoadedExercise & { def: PredictTheStateDef });
      const ids = new Set<string>();
      def.questions.forEach((q, i) => {
        if (ids.has(q.id)) fail(["questions", i, "id"], `question id ${q.id} used twice`);
        ids.add(q.id);
        const problem = questionProblem(q, ex.trace, state);
        if (problem) fail(["questions", i, problem.field], problem.problem);
        const truth = trueAnswer(q, ex.trace, state);
        if (truth !== q.answer) fail(["questions", i, "answer"], `the replay shows ${truth} after step ${def.at} under ${def.rules.join(",")}, the key says ${q.answer}`);
      });
      return;
    }
    default:
      throw new UnreachableCaseError(def);
  }
}

/** Parses, loads the trace, checks the key. */
export async function loadDefinition(text: string, file: string, opts: LoadOptions = {}): Promise<{ parsed: ParsedDefinition; exercise: LoadedExercise }> {
  const parsed = parseDefinition(text, file);
  const trace = await loadTrace(parsed, { seedsDir: opts.seedsDir, store: opts.store ?? null });
  const exercise: LoadedExercise = {
    def: parsed.def,
    trace,
    courseId: opts.courseId ?? null,
    ref: opts.ref ?? parsed.def.id,
    origin: opts.origin ?? file,
    hash: parsed.hash,
    source: text,
  };
  verifyKey(parsed, exercise);
  return { parsed, exercise };
}
