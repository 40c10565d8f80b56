/**
 * Wires the API's context to racelab's modules: the store (issue 2), the
 * replay service (issue 3), the ftrace importer (issue 4), the rule registry
 * and the seed scenarios. `racelab serve` and the tests build their server
 * from this one function, so both exercise the same modules.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ReplayStore } from "../events/store.ts";
import { inlineRunner, type JobRunner } from "../jobs/runner.ts";
import { createReplayService } from "../replay-service.ts";
import type { RaceId } from "../replay/types.ts";
import { FIXES } from "../rules/index.ts";
import { loadScenarioFile, scenarioFiles, scenarioName, SEEDS_DIR } from "../scenario/load.ts";
import { EFFECT_OF_RACE, RACE_IDS } from "../events/races.ts";
import type { ApiDeps, ApiModule, ReferenceData } from "./context.ts";
import { exploreResolvers, exploreTypeDefs } from "./explore.ts";
import { classroomModule } from "./exercises.ts";
import type { Database } from "../db/connection.ts";
import { processSpool } from "../spool.ts";
import { FieldError } from "./errors.ts";
import type { RaceInfo, ScenarioInfo } from "./models.ts";

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
          effect: EFFECT_OF_RACE[id],
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
export function allModules(store: ReplayStore & { readonly db: Database }): ApiModule[] {
  return [EXPLORE_MODULE, classroomModule(store.db, store)];
}

/**
 * `dataDir`: whose spool holds this server's temporary files (`racelab serve`: the data folder;
 * by default a folder in the system temp folder). `jobs`: where heavy work runs (`racelab serve`:
 * worker threads, `jobs/runner.ts` poolRunner; by default in this thread).
 */
export function createApiDeps(
  store: ReplayStore,
  options: { seedsDir?: string; modules?: readonly ApiModule[]; dataDir?: string; jobs?: JobRunner } = {},
): ApiDeps {
  const spoolDir = processSpool(options.dataDir ?? path.join(os.tmpdir(), "racelab"));
  return {
    store,
    spoolDir,
    jobs: options.jobs ?? inlineRunner({ store, replay: createReplayService(store), spoolDir }),
    reference: seedReference(options.seedsDir),
    modules: options.modules ?? [EXPLORE_MODULE],
  };
}
