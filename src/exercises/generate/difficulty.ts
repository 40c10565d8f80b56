/**
 * What makes a generated exercise easy, medium or hard: how many tasks and
 * steps the student reads, and how much noise — work on block groups the race
 * does not touch, commits — is mixed in (never changing the key).
 */
import { NO_NOISE, type NoisePlan } from "./noise.ts";

export const DIFFICULTIES = ["easy", "medium", "hard"] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export interface Level {
  /** Leave out every task the failure does not need. */
  readonly fewestActors: boolean;
  readonly noise: NoisePlan;
  /** predict-the-state: questions asked. */
  readonly questions: number;
  /** From a trace: events before the failing one, at least (the window grows until it reproduces the finding). */
  readonly before: number;
  /** From a trace: events kept after the failing one (so that it is not simply the last). */
  readonly after: number;
}

export const LEVELS: Readonly<Record<Difficulty, Level>> = {
  easy: { fewestActors: true, noise: NO_NOISE, questions: 2, before: 12, after: 2 },
  medium: { fewestActors: false, noise: { groups: 1, newActors: 1, minNewActors: 0 }, questions: 3, before: 24, after: 4 },
  hard: { fewestActors: false, noise: { groups: 3, newActors: 2, minNewActors: 1 }, questions: 4, before: 48, after: 8 },
};

export function isDifficulty(s: string): s is Difficulty {
  return (DIFFICULTIES as readonly string[]).includes(s);
}
