/**
 * What one request may cost, by who asks (anonymous < student < instructor):
 * the wall time of one heavy job, the states an exploration may visit, how
 * many of one viewer's jobs run at once and how many may wait. The heap of a
 * job is the worker's (`RACELAB_WORKER_HEAP_MB`, one for all: a worker thread
 * has one heap). A job over a bound is stopped and answers BUDGET_EXCEEDED
 * naming the bound and how to ask for less.
 */
import { DomainError } from "../errors.ts";

export type ViewerRole = "anonymous" | "student" | "instructor";

export interface JobBudget {
  /** Longest run of one job, queueing not counted (ms). */
  readonly wallMs: number;
  /** Most states one exploration visits. */
  readonly maxStates: number;
  /** Jobs of one viewer running at once. */
  readonly concurrent: number;
  /** Jobs of one viewer waiting for a worker; one more is TOO_MANY_REQUESTS. */
  readonly queued: number;
}

export const ROLE_BUDGETS: Readonly<Record<ViewerRole, JobBudget>> = {
  anonymous: { wallMs: 10_000, maxStates: 20_000, concurrent: 1, queued: 4 },
  student: { wallMs: 20_000, maxStates: 100_000, concurrent: 1, queued: 8 },
  instructor: { wallMs: 120_000, maxStates: 1_000_000, concurrent: 2, queued: 40 },
};

/** What a viewer's jobs are accounted to: the user, or an anonymous client by its address. */
export interface JobOwner {
  readonly key: string;
  readonly role: ViewerRole;
}

export type Bound = "wall time" | "heap" | "explored states";

const NARROW: Readonly<Record<Bound, string>> = {
  "wall time": "ask for less: a shorter range (from/to), fewer rule sets, a smaller maxStates, or one actor set (pids)",
  heap: "ask for less: a smaller maxStates or a shorter trace (fork it at the part you study)",
  "explored states": "ask for fewer maxStates, fewer maxSteps, or explore a fork of the part you study",
};

export function budgetExceeded(bound: Bound, detail: string): DomainError {
  return new DomainError("BUDGET_EXCEEDED", `${detail}: over the ${bound} budget; ${NARROW[bound]}`);
}
