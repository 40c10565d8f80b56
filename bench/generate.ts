/**
 * Generated exercises (issue 16): how long racelab takes to write them, per
 * seed race, kind and difficulty — the exploration, the distinct
 * counterexamples, the noise tried against the replay and the loader's key
 * check, all of it — and how big they come out (tasks, steps). Pure: no
 * database.
 *
 *   npx tsx bench/generate.ts [--count 3]
 */
import { parseArgs } from "node:util";
import { RACE_IDS } from "../src/events/races.ts";
import { DIFFICULTIES, generateFromProgram } from "../src/exercises/generate/index.ts";
import { EXERCISE_KINDS } from "../src/exercises/types.ts";
import { programFromScenario } from "../src/explore/program.ts";
import { seedFile } from "../src/explore/source.ts";
import { loadScenarioFile } from "../src/scenario/load.ts";

const { values } = parseArgs({ options: { count: { type: "string", default: "3" } } });
const count = Number(values.count);

console.log(`count ${count}; ms = wall time of one generateFromProgram; made = exercises made; tasks/steps of each`);
console.log(["race".padEnd(31), "kind".padEnd(18), "difficulty".padEnd(10), "ms".padStart(6), "made".padStart(5), "  tasks/steps"].join(" "));
for (const race of RACE_IDS) {
  const program = programFromScenario(loadScenarioFile(seedFile(race)!), race);
  for (const kind of EXERCISE_KINDS) {
    for (const difficulty of DIFFICULTIES) {
      const t0 = performance.now();
      const g = await generateFromProgram(program, { kind, rules: ["unpatched"], count, difficulty });
      const ms = performance.now() - t0;
      const sizes = g.exercises.map((e) => `${e.loaded.trace.actors.length}/${e.loaded.trace.events.length}`).join(" ");
      console.log([race.padEnd(31), kind.padEnd(18), difficulty.padEnd(10), ms.toFixed(0).padStart(6), String(g.exercises.length).padStart(5), ` ${sizes}`].join(" "));
    }
  }
}
