/**
 * The I/O edge of the explorer: where programs come from (a seed scenario by
 * name, a `.scenario` file or text, a stored trace, a kernel trace file to
 * import) and where a counterexample goes (a new stored trace).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../errors.ts";
import type { EventStore, TraceInfo } from "../events/store.ts";
import type { StoredEvent } from "../events/types.ts";
import { checkTrace } from "../replay/check.ts";
import type { RuleSet } from "../rules/types.ts";
import { SEEDS_DIR, loadScenarioFile } from "../scenario/load.ts";
import { parseScenario } from "../scenario/parse.ts";
import { isFileArg, resolveTraceArg } from "../trace-arg.ts";
import { RACE_IDS } from "../events/races.ts";
import { scheduleTrace, stepsJson } from "./counterexample.ts";
import type { FoundBug } from "./explore.ts";
import { type ExploreActor, type Program, programFromEvents, programFromScenario } from "./program.ts";

export interface LoadOptions {
  /** Keep only these pids' programs. */
  readonly pids?: readonly number[] | null;
}

/** A seed scenario by name: a race id (its canonical scenario) or any seeds/<name>.scenario. */
export function seedFile(name: string): string | null {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return null;
  const file = path.join(SEEDS_DIR, `${name}.scenario`);
  return existsSync(file) ? file : null;
}

/** Why a scenario argument names no seed (the races come from the registry). */
export function noSeedScenario(name: string): string {
  return `no seed scenario ${JSON.stringify(name)} (a race id such as ${RACE_IDS[0]}, <race>.benign, or a scenario's text)`;
}

export function programFromScenarioText(text: string, name: string, opts: LoadOptions = {}): Program {
  return programFromScenario(parseScenario(text, name), name, opts.pids ?? null);
}

interface StoredScenarioMeta {
  scenario?: {
    title?: string | null;
    description?: string | null;
    actors?: { name: string; pid: number; comm: string | null; role: string | null; cpu: number | null }[];
    names?: [string, string][];
  };
}

const READ_PAGE = 50_000;

/** Every event of a stored trace, read page by page. */
export async function readTrace(store: Pick<EventStore, "read">, t: TraceInfo): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (let from = 1; from <= t.version; from += READ_PAGE) {
    for (const e of await store.read(t.id, { from, to: Math.min(t.version, from + READ_PAGE - 1) })) out.push(e);
  }
  return out;
}

/** Programs of a stored trace, one per pid (actors named as the trace's scenario names them, else A, B, …). */
export async function programFromTrace(store: EventStore, t: TraceInfo, opts: LoadOptions = {}): Promise<Program> {
  const events = await readTrace(store, t);
  const meta = (t.meta as StoredScenarioMeta | null)?.scenario;
  const actors: ExploreActor[] = (meta?.actors ?? []).map((a) => ({ name: a.name, pid: a.pid, comm: a.comm, role: a.role, cpu: a.cpu }));
  return programFromEvents(events, {
    name: t.name,
    title: meta?.title ?? null,
    description: meta?.description ?? null,
    actors,
    names: (meta?.names ?? []).map(([n, v]) => [n, BigInt(v)] as const),
    pids: opts.pids ?? null,
  });
}

/**
 * `<scenario|trace>` of `racelab explore`: a seed name (`trim-vs-bg-removal`,
 * `trim-vs-bg-removal.benign`), a `.scenario` file, a kernel trace file
 * (imported first, as `racelab check` does), or a stored trace id or name.
 */
export async function loadProgram(arg: string, store: EventStore | null, opts: LoadOptions = {}): Promise<{ program: Program; trace: TraceInfo | null }> {
  const seed = seedFile(arg);
  if (seed) return { program: programFromScenario(loadScenarioFile(seed), arg, opts.pids ?? null), trace: null };
  const isFile = isFileArg(arg);
  if (isFile && arg.endsWith(".scenario")) {
    return { program: programFromScenario(loadScenarioFile(arg), path.basename(arg).replace(/\.scenario$/, ""), opts.pids ?? null), trace: null };
  }
  if (!store) throw new DomainError("BAD_USER_INPUT", `explore: "${arg}" is not a seed scenario (${RACE_IDS.join(", ")}, …) and no store is open to find a trace`);
  const trace = isFile ? await resolveTraceArg(store, arg) : await store.findTrace(arg);
  if (!trace) throw new DomainError("NOT_FOUND", `explore: no seed scenario, file or trace "${arg}" (seeds: ${RACE_IDS.join(", ")}; racelab traces lists the traces)`);
  return { program: await programFromTrace(store, trace, opts), trace };
}

/**
 * Stores a bug's counterexample as a new trace (`racelab explore --save`):
 * the schedule's trace (`scheduleTrace`), with the scenario's actors and
 * names in its meta so that it reads like the seeds. The same schedule
 * saved twice is found by its content hash instead.
 */
export async function saveCounterexample(
  store: EventStore,
  program: Program,
  rules: RuleSet,
  bug: FoundBug,
  name: string,
): Promise<{ trace: TraceInfo; existing: boolean }> {
  const { events, prefixLength } = scheduleTrace(program, rules, bug.schedule);
  const hash = createHash("sha256")
    .update(JSON.stringify({ rules: rules.key, events }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)))
    .digest("hex");
  const known = await store.findTraceByHash(hash);
  if (known) return { trace: known, existing: true };
  // Where the normal replay of the saved trace finds the effect (a resumed event may trigger it).
  const finding = checkTrace(events, rules).report.findings.find((f) => f.race !== null);
  const step = finding?.seq ?? prefixLength;
  const meta = {
    scenario: {
      race: bug.race,
      variant: "counterexample",
      title: `counterexample: ${bug.effect} under ${rules.key} (explored from ${program.name})`,
      seed: null,
      description: `A schedule of the programs of ${program.name} found by racelab explore; under ${rules.key} it ends in ${bug.effect} at step ${step}. The events after step ${prefixLength} are the rest of each task's program (never reached).`,
      expect: { [rules.key]: { verdict: "bug", effect: bug.effect, step } },
      actors: program.actors.map((a) => ({ name: a.name, pid: a.pid, comm: a.comm, role: a.role, cpu: a.cpu })),
      names: program.names.map(([n, v]) => [n, v.toString()]),
    },
    explore: {
      from: program.name,
      rules: rules.key,
      race: bug.race,
      effect: bug.effect,
      steps: prefixLength,
      step,
      schedule: stepsJson(program, rules, bug.schedule),
    },
  };
  const trace = await store.importTrace(
    { name, source: { file: null, hash, format: "explore" }, meta },
    (async function* () {
      yield events;
    })(),
  );
  return { trace, existing: false };
}
