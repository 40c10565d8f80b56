/**
 * The heavy work of a request, as jobs: one table of kinds, each a handler
 * over a worker's own store and replay service. Payloads and results are
 * plain data (they cross to a worker thread, and through the durable queue
 * as JSON): ids, numbers, strings — traces travel by id, never as objects.
 * Who may ask (the trace's read rules) is settled before a job is made; a
 * handler only enforces the job's budget.
 */
import { DomainError } from "../errors.ts";
import type { EventStore, SnapshotStore, TraceOwner } from "../events/store.ts";
import { DEFAULT_MAX_STATES } from "../explore/explore.ts";
import { programFromScenario, type Program } from "../explore/program.ts";
import { explore, reportWire, type ExploreWire } from "../explore/report.ts";
import { noSeedScenario, programFromScenarioText, programFromTrace, readTrace, seedFile } from "../explore/source.ts";
import { type GenerationJob, type GenerationWire, generateFromProgram, generateFromTrace, generationWire, requestOf } from "../exercises/generate/index.ts";
import type { FormatOption } from "../ftrace/detect.ts";
import { importFile } from "../ftrace/import.ts";
import type { ImportReport } from "../ftrace/report.ts";
import type { ReplayServiceX } from "../replay-service.ts";
import { stateSteps, type AppliedStep } from "../replay/steps.ts";
import type { RuleChange } from "../replay/changes.ts";
import type { CoveredCheckReport, StateDiff } from "../replay/types.ts";
import type { FsStateViewX } from "../replay/time-travel.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { budgetExceeded, type JobBudget } from "./budgets.ts";

/** What a worker holds: its own connection's store, a replay service over it, its spool. */
export interface WorkContext {
  readonly store: EventStore & SnapshotStore;
  readonly replay: ReplayServiceX;
  readonly spoolDir: string;
}

export interface ImportJobOptions {
  readonly name?: string;
  readonly format?: FormatOption;
  readonly skipInvalid?: boolean;
  readonly displayName?: string;
  readonly owner?: TraceOwner;
}

export interface JobPayloads {
  check: { readonly traceId: string; readonly rules: readonly string[] };
  /** One trace under several rule sets: its events read once for those whose verdict is not stored. */
  checks: { readonly traceId: string; readonly ruleSets: readonly (readonly string[])[] };
  stateAt: { readonly traceId: string; readonly seq: number; readonly rules: readonly string[] };
  /** What the rules changed, event by event (a replay with a timeline). */
  changes: { readonly traceId: string; readonly rules: readonly string[] };
  diff: { readonly traceId: string; readonly from: number; readonly to: number; readonly rules: readonly string[] };
  replaySteps: { readonly traceId: string; readonly rules: readonly string[]; readonly fromSeq: number; readonly to: number };
  /** A seed name or scenario text (`scenario`), or a stored trace (`traceId`). */
  explore: {
    readonly scenario: string | null;
    readonly traceId: string | null;
    readonly rules: readonly string[];
    readonly maxSteps: number | null;
    readonly maxStates: number | null;
  };
  /** A log in the spool (or a path the worker can read). */
  import: { readonly file: string; readonly options: ImportJobOptions };
  /** The snapshots of a (trace, rule set) built now: time travel on it stays cheap afterwards. */
  snapshots: { readonly traceId: string; readonly rules: readonly string[] };
  /** Exercises written from the explorer's counterexamples or a trace's findings (issue 16), not stored yet. */
  generateExercises: GenerationJob;
}

export interface JobResults {
  check: CoveredCheckReport;
  checks: CoveredCheckReport[];
  stateAt: FsStateViewX;
  changes: readonly RuleChange[];
  diff: StateDiff;
  replaySteps: AppliedStep[];
  explore: ExploreWire;
  import: { readonly traceId: string; readonly existing: boolean; readonly report: ImportReport | null };
  snapshots: { readonly snapshots: number };
  generateExercises: GenerationWire;
}

export type JobKind = keyof JobPayloads;

export interface Job<K extends JobKind = JobKind> {
  readonly kind: K;
  readonly payload: JobPayloads[K];
  readonly budget: JobBudget;
}

type Handler<K extends JobKind> = (w: WorkContext, payload: JobPayloads[K], budget: JobBudget) => Promise<JobResults[K]>;

async function program(store: EventStore, p: { readonly scenario: string | null; readonly traceId: string | null }): Promise<Program> {
  if (p.traceId !== null) {
    const t = await store.getTrace(p.traceId);
    if (!t) throw new DomainError("NOT_FOUND", `no trace ${p.traceId}`);
    return programFromTrace(store, t);
  }
  const s = p.scenario ?? "";
  if (s.includes("\n")) return programFromScenarioText(s, "scenario");
  const file = seedFile(s);
  if (!file) throw new DomainError("NOT_FOUND", noSeedScenario(s));
  return programFromScenario(loadScenarioFile(file), s);
}

/**
 * What a budget refuses before a job runs at all (and before it waits in a
 * queue): an exploration asking for more states than the owner may visit.
 */
export function refusedUpFront<K extends JobKind>(job: Job<K>): DomainError | null {
  if (job.kind !== "explore") return null;
  const asked = (job.payload as JobPayloads["explore"]).maxStates;
  return asked !== null && asked > job.budget.maxStates ? budgetExceeded("explored states", `maxStates ${asked} is above your ${job.budget.maxStates}`) : null;
}

/**
 * Generated exercises from a scenario's or a stored trace's tasks (explored
 * within the budget's states) or from a stored trace's findings: what the
 * `generateExercises` job does, and the CLI inline.
 */
export async function runGeneration(store: EventStore, p: GenerationJob, budget: JobBudget): Promise<GenerationWire> {
  const req = requestOf({ ...p, maxStates: p.maxStates ?? Math.min(DEFAULT_MAX_STATES, budget.maxStates) });
  if (p.from === "explore") return generationWire(await generateFromProgram(await program(store, p), req));
  const t = p.traceId === null ? null : await store.getTrace(p.traceId);
  if (!t) throw new DomainError("NOT_FOUND", `no trace ${p.traceId ?? "(none given)"}`);
  return generationWire(await generateFromTrace(await readTrace(store, t), t.name, req));
}

/** Every kind's handler: a kind without one is a compile error. */
export const JOB_HANDLERS: { readonly [K in JobKind]: Handler<K> } = {
  check: (w, p) => w.replay.check(p.traceId, p.rules),
  checks: (w, p) => w.replay.checks(p.traceId, p.ruleSets),
  stateAt: (w, p) => w.replay.stateAt(p.traceId, p.seq, p.rules),
  changes: (w, p) => w.replay.changes(p.traceId, p.rules),
  diff: (w, p) => w.replay.diff(p.traceId, p.from, p.to, p.rules),
  replaySteps: (w, p) => stateSteps(w.replay, p.traceId, p.rules, p.fromSeq, p.to),
  explore: async (w, p, budget) => {
    const maxStates = p.maxStates ?? Math.min(DEFAULT_MAX_STATES, budget.maxStates);
    return reportWire(explore(await program(w.store, p), p.rules, { maxSteps: p.maxSteps, maxStates }));
  },
  import: async (w, p) => {
    const r = await importFile(w.store, p.file, { ...p.options, tmpRoot: w.spoolDir });
    return { traceId: r.trace.id, existing: r.existing, report: r.report };
  },
  snapshots: async (w, p) => ({ snapshots: await w.replay.ensureSnapshots(p.traceId, p.rules) }),
  generateExercises: (w, p, budget) => runGeneration(w.store, p, budget),
};

export function runJob<K extends JobKind>(w: WorkContext, job: Job<K>): Promise<JobResults[K]> {
  const refused = refusedUpFront(job);
  if (refused) return Promise.reject(refused);
  return (JOB_HANDLERS[job.kind] as Handler<K>)(w, job.payload, job.budget);
}
