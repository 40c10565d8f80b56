/**
 * Where jobs run. `inlineRunner` runs them in the calling thread (the CLI,
 * tests of the API); `poolRunner` runs them in worker threads (`racelab
 * serve`, `racelab worker`): the request loop only waits. The pool takes jobs
 * through the fair queue (per-viewer shares), stops a job over its wall time
 * or its worker's heap (the worker is terminated and replaced), and stops a
 * job whose client went away.
 */
import os from "node:os";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { DomainError, type ErrorCode } from "../errors.ts";
import { budgetExceeded, ROLE_BUDGETS, type JobBudget, type JobOwner } from "./budgets.ts";
import { FairQueue } from "./fair.ts";
import { refusedUpFront, runJob, type Job, type JobKind, type JobPayloads, type JobResults, type WorkContext } from "./kinds.ts";

export interface JobRequest {
  readonly owner: JobOwner;
  /** Aborted when the client went away: a waiting job is withdrawn, a running one stopped. */
  readonly signal?: AbortSignal;
}

export interface JobStats {
  readonly running: number;
  readonly queued: number;
  /** Jobs stopped because their client went away. */
  readonly cancelled: number;
  /** Jobs stopped over a budget. */
  readonly overBudget: number;
  readonly completed: number;
}

export interface JobRunner {
  run<K extends JobKind>(kind: K, payload: JobPayloads[K], request: JobRequest): Promise<JobResults[K]>;
  stats(): JobStats;
  close(): Promise<void>;
}

/** What a worker thread is given: the job, and a port to say when it starts on it. */
export interface WorkerTask<K extends JobKind = JobKind> {
  readonly job: Job<K>;
  readonly started: MessagePort;
}

/** What a worker thread answers: a result, or a domain error by its code (an Error's own fields do not cross threads). */
export type WorkerAnswer<K extends JobKind> = { readonly ok: true; readonly result: JobResults[K] } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

export function budgetOf(owner: JobOwner): JobBudget {
  return ROLE_BUDGETS[owner.role];
}

/** Jobs in this thread: budgets on what a handler checks (explored states); no wall-time stop. */
export function inlineRunner(work: WorkContext): JobRunner {
  let completed = 0;
  return {
    async run(kind, payload, request) {
      request.signal?.throwIfAborted();
      const result = await runJob(work, { kind, payload, budget: budgetOf(request.owner) });
      completed++;
      return result;
    },
    stats: () => ({ running: 0, queued: 0, cancelled: 0, overBudget: 0, completed }),
    close: async () => {},
  };
}

export interface PoolOptions {
  /** The database the workers connect to (each opens its own pool on it). */
  readonly databaseUrl: string;
  readonly spoolDir: string;
  /** Worker threads (default: the CPUs, at least 2). */
  readonly threads?: number;
  /** Old-generation heap of a worker, MB (default 768). */
  readonly heapMb?: number;
  readonly budgetOf?: (owner: JobOwner) => JobBudget;
}

/** RACELAB_WORKERS (threads) and RACELAB_WORKER_HEAP_MB (heap of each), when set. */
export function poolOptionsFromEnv(env: NodeJS.ProcessEnv): Pick<PoolOptions, "threads" | "heapMb"> {
  const read = (name: string, min: number): number | undefined => {
    const v = env[name];
    if (v === undefined || v === "") return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new DomainError("BAD_USER_INPUT", `${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  const threads = read("RACELAB_WORKERS", 1);
  const heapMb = read("RACELAB_WORKER_HEAP_MB", 64);
  return { ...(threads !== undefined ? { threads } : {}), ...(heapMb !== undefined ? { heapMb } : {}) };
}

/**
 * The worker file: the compiled one next to this module, or in a source
 * checkout a shim that loads the TypeScript through tsx (a worker thread
 * inherits no loader).
 */
function workerFile(): string {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.endsWith(".ts") ? "./worker-thread.mjs" : "./worker-thread.js", here));
}

export function poolRunner(opts: PoolOptions): JobRunner {
  const threads = opts.threads ?? Math.max(2, os.availableParallelism());
  const heapMb = opts.heapMb ?? 768;
  const ofOwner = opts.budgetOf ?? budgetOf;
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    workerData: { databaseUrl: opts.databaseUrl, spoolDir: opts.spoolDir },
  });
  const fair = new FairQueue(threads, ofOwner);
  let cancelled = 0;
  let overBudget = 0;
  let completed = 0;

  async function runInWorker<K extends JobKind>(job: Job<K>, signal: AbortSignal | undefined): Promise<JobResults[K]> {
    // The wall time counts from when a worker takes the job (it says so on `started`), not from a worker's start-up.
    const timeout = new AbortController();
    const stop = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const started = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    let startedAt = Date.now();
    started.port1.once("message", () => {
      startedAt = Date.now();
      timer = setTimeout(() => timeout.abort(), job.budget.wallMs);
    });
    try {
      const task: WorkerTask<K> = { job, started: started.port2 };
      const answer = (await pool.run(task, { signal: stop, transferList: [started.port2] })) as WorkerAnswer<K>;
      completed++;
      if (!answer.ok) throw new DomainError(answer.code, answer.message);
      return answer.result;
    } catch (err) {
      if (timeout.signal.aborted && !signal?.aborted) {
        overBudget++;
        throw budgetExceeded("wall time", `${job.kind} ran ${Math.round((Date.now() - startedAt) / 1000)} s (your budget: ${job.budget.wallMs / 1000} s)`);
      }
      if (signal?.aborted) {
        cancelled++;
        throw err;
      }
      if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
        overBudget++;
        throw budgetExceeded("heap", `${job.kind} needed more than the ${heapMb} MB a worker has`);
      }
      throw err;
    } finally {
      clearTimeout(timer);
      started.port1.close();
    }
  }

  return {
    run(kind, payload, request) {
      const job = { kind, payload, budget: ofOwner(request.owner) };
      const refused = refusedUpFront(job);
      if (refused) return Promise.reject(refused);
      return fair.run(request.owner, () => runInWorker(job, request.signal), request.signal).catch((err: unknown) => {
        if (request.signal?.aborted && err === request.signal.reason) cancelled++;
        throw err;
      });
    },
    stats: () => ({ ...fair.stats, cancelled, overBudget, completed }),
    close: () => pool.destroy(),
  };
}
