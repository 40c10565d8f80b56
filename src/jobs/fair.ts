/**
 * The fair queue in front of the workers: jobs wait per viewer, each viewer
 * runs at most its role's `concurrent` jobs, and a free worker takes a job of
 * the viewer with the fewest running, then the one served longest ago, so
 * one student's forty explorations wait behind that student's own, never in
 * front of anybody else's. Pure bookkeeping: `start` is called when a job may run.
 */
import { DomainError } from "../errors.ts";
import type { JobBudget, JobOwner } from "./budgets.ts";

interface Waiting {
  readonly start: () => void;
  readonly cancel: (err: unknown) => void;
}

interface ViewerQueue {
  running: number;
  readonly waiting: Waiting[];
  readonly budget: JobBudget;
  /** When it was last served (a counter); new viewers first. */
  served: number;
}

export class FairQueue {
  private readonly viewers = new Map<string, ViewerQueue>();
  private running = 0;
  private clock = 0;

  constructor(
    /** Jobs running at once, all viewers together (the workers). */
    private readonly slots: number,
    private readonly budgetOf: (owner: JobOwner) => JobBudget,
  ) {}

  get stats(): { running: number; queued: number } {
    let queued = 0;
    for (const v of this.viewers.values()) queued += v.waiting.length;
    return { running: this.running, queued };
  }

  /**
   * Runs `job` when a slot and the viewer's share allow; `signal` withdraws it
   * while it waits (the promise rejects with the signal's reason). A viewer
   * whose queue is full is refused at once (TOO_MANY_REQUESTS).
   */
  run<T>(owner: JobOwner, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const v = this.viewers.get(owner.key) ?? { running: 0, waiting: [], budget: this.budgetOf(owner), served: -1 };
    this.viewers.set(owner.key, v);
    if (v.waiting.length >= v.budget.queued) {
      return Promise.reject(new DomainError("TOO_MANY_REQUESTS", `${v.waiting.length + v.running} heavy requests of yours are queued or running: wait for them`));
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = {
        start: () => {
          signal?.removeEventListener("abort", onAbort);
          job().then(resolve, reject).finally(() => this.done(owner.key));
        },
        cancel: reject,
      };
      const onAbort = () => {
        const i = v.waiting.indexOf(entry);
        if (i < 0) return;
        v.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      v.waiting.push(entry);
      this.pump();
    });
  }

  private done(key: string): void {
    this.running--;
    const v = this.viewers.get(key);
    if (v) v.running--;
    this.pump();
  }

  /** Starts jobs while slots are free: of the viewers whose share allows one more, the fewest running, then the least recently served. */
  private pump(): void {
    while (this.running < this.slots) {
      let next: ViewerQueue | null = null;
      for (const v of this.viewers.values()) {
        if (v.waiting.length === 0 || v.running >= v.budget.concurrent) continue;
        if (!next || v.running < next.running || (v.running === next.running && v.served < next.served)) next = v;
      }
      if (!next) break;
      const entry = next.waiting.shift()!;
      next.running++;
      next.served = this.clock++;
      this.running++;
      entry.start();
    }
    for (const [k, v] of this.viewers) if (v.running === 0 && v.waiting.length === 0) this.viewers.delete(k);
  }
}
