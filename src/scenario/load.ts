/**
 * The I/O edge of scenarios: read a `.scenario` file, store scenarios as
 * traces (`racelab seed`). A scenario is stored whole or not at all
 * (`importTrace` is one transaction), and re-seeding the same content finds
 * it by hash instead of storing it again.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DomainError } from "../errors.ts";
import type { EventStore, TraceInfo } from "../events/store.ts";
import { type Scenario, parseScenario } from "./parse.ts";

/** seeds/ of this checkout. */
export const SEEDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../seeds");

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DomainError("NOT_FOUND", `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  return parseScenario(text, file);
}

/** Trace name of a scenario file: its base name without `.scenario`. */
export function scenarioName(file: string): string {
  return path.basename(file).replace(/\.scenario$/, "");
}

export function scenarioMeta(sc: Scenario): Record<string, unknown> {
  return {
    scenario: {
      race: sc.meta.race,
      variant: sc.meta.variant,
      title: sc.meta.title,
      seed: sc.meta.seed,
      description: sc.meta.description,
      expect: sc.meta.expect,
      actors: sc.actors.map((a) => ({ name: a.name, pid: a.pid, comm: a.comm, role: a.role, cpu: a.cpu })),
      names: sc.names.map(([n, v]) => [n, v.toString()]),
    },
  };
}

/** Stores a parsed scenario as a trace, unless the same content is stored already. */
export async function storeScenario(store: EventStore, sc: Scenario, name = scenarioName(sc.file)): Promise<{ trace: TraceInfo; existing: boolean }> {
  const known = await store.findTraceByHash(sc.hash);
  if (known) return { trace: known, existing: true };
  const trace = await store.importTrace(
    { name, source: { file: path.basename(sc.file), hash: sc.hash, format: "scenario" }, meta: scenarioMeta(sc) },
    (async function* () {
      yield { events: sc.events, sourceLines: sc.sourceLines };
    })(),
  );
  return { trace, existing: false };
}

export function scenarioFiles(dir = SEEDS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".scenario"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** `racelab seed`: every seeds/*.scenario as a trace. All files are parsed before anything is stored. */
export async function seedScenarios(store: EventStore, dir = SEEDS_DIR): Promise<{ name: string; trace: TraceInfo; existing: boolean }[]> {
  const parsed = scenarioFiles(dir).map((f) => loadScenarioFile(f));
  const out: { name: string; trace: TraceInfo; existing: boolean }[] = [];
  for (const sc of parsed) {
    const r = await storeScenario(store, sc);
    out.push({ name: scenarioName(sc.file), ...r });
  }
  return out;
}
