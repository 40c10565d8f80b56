/**
 * Wires the API's context to racelab's modules: the store (issue 2), the
 * replay service (issue 3), the ftrace importer (issue 4), the rule registry
 * and the seed scenarios. `racelab serve` and the tests build their server
 * from this one function, so both exercise the same modules.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { EventStore, SnapshotStore } from "../events/store.ts";
import { importFile, type ImportResult as FtraceImportResult } from "../ftrace/import.ts";
import { RACE_OF_EFFECT } from "../projections/evolve.ts";
import { createReplayService } from "../replay/service.ts";
import type { RaceId } from "../replay/types.ts";
import { FIXES } from "../rules/index.ts";
import { loadScenarioFile, scenarioFiles, scenarioName, SEEDS_DIR } from "../scenario/load.ts";
import { RACE_IDS } from "../scenario/parse.ts";
import type { ApiDeps, ApiModule, ImportOptions, ReferenceData, TraceImporter } from "./context.ts";
import { exploreResolvers, exploreTypeDefs } from "./explore.ts";
import { classroomModule } from "./exercises.ts";
import type { Database } from "../db/connection.ts";
import { processSpool } from "../spool.ts";
import { FieldError } from "./errors.ts";
import type { ImportResult, RaceInfo, ScenarioInfo } from "./models.ts";

const FORMATS = ["auto", "ftrace", "trace-cmd", "jsonl"] as const;
type Format = (typeof FORMATS)[number];

function formatOption(format: string | null | undefined): Format {
  const f = format ?? "auto";
  if (!(FORMATS as readonly string[]).includes(f)) throw new FieldError("format", `unknown format ${JSON.stringify(f)} (use ${FORMATS.join(", ")})`);
  return f as Format;
}

function importResult(r: FtraceImportResult): ImportResult {
  const report = r.report;
  return {
    trace: r.trace,
    format: report?.format ?? r.trace.source.format,
    events: report?.events ?? r.trace.version,
    lines: report?.lines ?? 0,
    skipped: report?.skipped ?? [],
    // Reports stored before the totals existed kept every line.
    skippedTotal: report?.skippedTotal ?? report?.skipped.length ?? 0,
    unmapped: report?.unmapped ?? {},
    gaps: report?.gaps ?? [],
    gapsTotal: report?.gapsTotal ?? report?.gaps.length ?? 0,
    warningCounts: report?.warningCounts ?? {},
    unbound: report?.unbound ?? 0,
    duplicate: r.existing,
  };
}

/** The ftrace importer, reading files; text goes through a temporary file in the spool (the importer streams files). */
export function ftraceImporter(store: EventStore, spoolDir: string): TraceImporter {
  const importPath = async (file: string, o: ImportOptions) =>
    importResult(
      await importFile(store, file, {
        ...(o.name ? { name: o.name } : {}),
        format: formatOption(o.format),
        skipInvalid: o.skipInvalid ?? false,
        ...(o.displayName ? { displayName: o.displayName } : {}),
        ...(o.owner ? { owner: o.owner } : {}),
        tmpRoot: spoolDir,
      }),
    );
  return {
    importFile: importPath,
    importText: async (text, o) => {
      const dir = await mkdtemp(path.join(spoolDir, "import-"));
      try {
        // Without a name the importer names the trace after the file.
        const file = path.join(dir, "graphql-import");
        await writeFile(file, text);
        return await importPath(file, { displayName: "graphql-import", ...o });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Fixes from the rule registry, races from it and the seed scenarios, scenarios from `seedsDir`. */
export function seedReference(seedsDir: string = SEEDS_DIR): ReferenceData {
  let cached: Promise<ScenarioInfo[]> | null = null;
  const scenarios = () =>
    (cached ??= Promise.resolve().then(() =>
      scenarioFiles(seedsDir).map((file): ScenarioInfo => {
        const s = loadScenarioFile(file);
        return {
          name: scenarioName(file),
          race: s.meta.race,
          title: s.meta.title,
          benign: s.meta.variant === "benign",
          description: s.meta.description,
          actors: s.actors.map((a) => a.pid),
          events: s.events.length,
          text: readFileSync(file, "utf8"),
        };
      }),
    ));
  const effectOf = new Map(Object.entries(RACE_OF_EFFECT).map(([effect, race]) => [race as RaceId, effect]));
  return {
    fixes: () => FIXES.map((f) => ({ id: f.id, title: f.title, seed: f.seed, commit: f.commit, invariant: f.invariant, race: f.race })),
    races: async () => {
      const all = await scenarios();
      return RACE_IDS.map((id): RaceInfo => {
        const fix = FIXES.find((f) => f.race === id) ?? null;
        const canonical = all.find((s) => s.race === id && !s.benign);
        return {
          id,
          title: canonical?.title ?? id,
          effect: effectOf.get(id) ?? "invariant",
          fix: fix?.id ?? null,
          seeds: fix ? fix.seed.split(/,\s*/) : [],
        };
      });
    },
    scenarios,
  };
}

/** The interleaving explorer (issue 7): `Query.explore`, a search that runs inside the request. */
export const EXPLORE_MODULE: ApiModule = {
  name: "explore",
  typeDefs: exploreTypeDefs,
  resolvers: exploreResolvers,
  fieldWeights: { "Query.explore": 500 },
};

/** Every API module of a full server: the explorer, and the classroom (issue 6) on the store's database. */
export function allModules(store: EventStore & SnapshotStore & { readonly db: Database }): ApiModule[] {
  return [EXPLORE_MODULE, classroomModule(store.db, store)];
}

/**
 * `dataDir`: whose spool holds this server's temporary files (`racelab serve`: the data folder;
 * by default a folder in the system temp folder).
 */
export function createApiDeps(
  store: EventStore & SnapshotStore,
  options: { seedsDir?: string; modules?: readonly ApiModule[]; dataDir?: string } = {},
): ApiDeps {
  const spoolDir = processSpool(options.dataDir ?? path.join(os.tmpdir(), "racelab"));
  return {
    store,
    spoolDir,
    replay: createReplayService(store),
    importer: ftraceImporter(store, spoolDir),
    reference: seedReference(options.seedsDir),
    modules: options.modules ?? [EXPLORE_MODULE],
  };
}
