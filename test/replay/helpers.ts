import { readFileSync } from "node:fs";
import path from "node:path";
import type { RaceEvent } from "../../src/events/types.ts";
import { parseScenario, type Scenario } from "../../src/scenario/parse.ts";
import { SEEDS_DIR } from "../../src/scenario/load.ts";

/** Events of an inline scenario (header lines as in seeds/). */
export function scenario(text: string): RaceEvent[] {
  return [...parseScenario(text.replace(/^\s+/gm, ""), "inline.scenario").events];
}

export function seed(name: string): Scenario {
  const file = path.join(SEEDS_DIR, `${name}.scenario`);
  return parseScenario(readFileSync(file, "utf8"), file);
}

export const RACES = [
  "balance-vs-unused-bg-deletion",
  "trim-vs-bg-removal",
  "bg-creation-vs-cache-writeout",
  "scrub-vs-bg-deletion",
] as const;

export const FIX_OF_RACE = {
  "balance-vs-unused-bg-deletion": "delete-unused-bgs-mutex",
  "trim-vs-bg-removal": "pin-chunks-during-trim",
  "bg-creation-vs-cache-writeout": "retry-enoent-cache-writeout",
  "scrub-vs-bg-deletion": "scrub-skip-removed-chunk",
} as const;

export const EFFECT_OF_RACE = {
  "balance-vs-unused-bg-deletion": ["assertion_failure", 8],
  "trim-vs-bg-removal": ["discard_overwrites_metadata", 11],
  "bg-creation-vs-cache-writeout": ["transaction_abort_enoent", 6],
  "scrub-vs-bg-deletion": ["scrub_einval", 7],
} as const;
