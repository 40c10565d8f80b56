/**
 * The durable queue: long jobs — the import of a large log, a big
 * exploration, a snapshot build — go through PostgreSQL (pg-boss), where any
 * number of `racelab worker` processes, on any machine that reaches the
 * database, take them; `racelab serve` takes them too unless told not to.
 * This is the scale-out path (docs/scaling.md). A job keeps its owner's
 * budget wherever it runs; the asker waits for its result and cancels it
 * when its client goes away (the taker notices within a second and stops).
 *
 * A log travels in the database (`job_files`, in parts) so that a worker on
 * another machine can read it; the worker removes it once imported.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import PgBoss from "pg-boss";
import type { Database } from "../db/connection.ts";
import { DomainError, ERROR_CODES, type ErrorCode } from "../errors.ts";
import type { JobOwner } from "./budgets.ts";
import type { JobKind, JobPayloads, JobResults } from "./kinds.ts";
import { refusedUpFront } from "./kinds.ts";
import { budgetOf, type JobRequest, type JobRunner, type JobStats } from "./runner.ts";

/** The kinds that go through the queue (the rest runs on the asking server's own workers). */
export const DURABLE_KINDS = ["import", "explore", "snapshots"] as const satisfies readonly JobKind[];
type DurableKind = (typeof DURABLE_KINDS)[number];

const QUEUE = (kind: DurableKind) => `racelab-${kind}`;
const FILE_PREFIX = "db:";
const PART_BYTES = 1 << 20;

interface QueuedJob<K extends DurableKind = DurableKind> {
  readonly payload: JobPayloads[K];
  readonly owner: JobOwner;
}

/** What decides that a job is long (goes through the queue). */
export interface LongJobs {
  /** An import of a log at least this large (bytes, as stored). */
  readonly importBytes: number;
  /** An exploration asked for more states than this. */
  readonly exploreStates: number;
}

export const DEFAULT_LONG_JOBS: LongJobs = { importBytes: 64 * 2 ** 20, exploreStates: 200_000 };

/** RACELAB_QUEUE_IMPORT_BYTES and RACELAB_QUEUE_EXPLORE_STATES, else the defaults. */
export function longJobsFromEnv(env: NodeJS.ProcessEnv): LongJobs {
  const read = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new DomainError("BAD_USER_INPUT", `${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
  return { importBytes: read("RACELAB_QUEUE_IMPORT_BYTES", DEFAULT_LONG_JOBS.importBytes), exploreStates: read("RACELAB_QUEUE_EXPLORE_STATES", DEFAULT_LONG_JOBS.exploreStates) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DurableQueue {
  private constructor(
    private readonly boss: PgBoss,
    private readonly db: Database,
    /** Where a taker copies logs (its process's spool). */
    private readonly spoolDir: string,
  ) {}

  static async open(db: Database, spoolDir: string): Promise<DurableQueue> {
    const boss = new PgBoss({ db: { executeSql: (text: string, values: unknown[]) => db.pool.query(text, values) }, schema: "pgboss" });
    boss.on("error", () => {}); // its maintenance retries by itself; a job's own error reaches its asker
    await boss.start();
    for (const kind of DURABLE_KINDS) await boss.createQueue(QUEUE(kind));
    return new DurableQueue(boss, db, spoolDir);
  }

  /** Puts `kind` on the queue and waits for its result; `signal` cancels it. */
  async run<K extends DurableKind>(kind: K, payload: JobPayloads[K], request: JobRequest): Promise<JobResults[K]> {
    // What the owner's budget refuses anyway is refused here, not after a wait in the queue.
    const refused = refusedUpFront({ kind, payload, budget: budgetOf(request.owner) });
    if (refused) throw refused;
    const data: QueuedJob<K> = { payload, owner: request.owner };
    const id = await this.boss.send(QUEUE(kind), data as object, { retryLimit: 0, expireInHours: 12 });
    if (!id) throw new DomainError("INTERNAL", `the ${kind} job was not queued`);
    for (let wait = 100; ; wait = Math.min(1_000, wait * 2)) {
      if (request.signal?.aborted) {
        await this.boss.cancel(QUEUE(kind), id).catch(() => {});
        throw request.signal.reason;
      }
      const job = await this.boss.getJobById<QueuedJob<K>>(QUEUE(kind), id);
      if (!job) throw new DomainError("INTERNAL", `the ${kind} job ${id} is gone from the queue`);
      if (job.state === "completed") return job.output as unknown as JobResults[K];
      if (job.state === "failed" || job.state === "cancelled") throw jobError(kind, job.output);
      await sleep(wait);
    }
  }

  /**
   * Takes queued jobs, `concurrency` at a time per kind, and runs them on
   * `runner` (a worker pool) until `close`.
   */
  async consume(runner: JobRunner, concurrency: number): Promise<void> {
    for (const kind of DURABLE_KINDS) {
      // One job per fetch (what the handler returns is that job's output), `concurrency` fetchers.
      for (let i = 0; i < concurrency; i++) {
        await this.boss.work<QueuedJob>(QUEUE(kind), { pollingIntervalSeconds: 0.5, batchSize: 1 }, ([job]) => this.take(runner, kind, job!));
      }
    }
  }

  /** Jobs being taken, stopped when the queue closes (while the database is still there to record it). */
  private readonly taking = new Set<AbortController>();

  private async take(runner: JobRunner, kind: DurableKind, job: PgBoss.Job<QueuedJob>): Promise<unknown> {
    const cancelled = new AbortController();
    this.taking.add(cancelled);
    // Cancelled by its asker: noticed within a second, then the worker's job is stopped.
    const watch = (async () => {
      while (!cancelled.signal.aborted) {
        await sleep(1_000);
        const now = await this.boss.getJobById(QUEUE(kind), job.id).catch(() => null);
        if (now?.state === "cancelled") cancelled.abort(new DomainError("BAD_USER_INPUT", "cancelled by its asker"));
      }
    })();
    try {
      const request: JobRequest = { owner: job.data.owner, signal: cancelled.signal };
      if (kind === "import") {
        const p = job.data.payload as JobPayloads["import"];
        return await this.withFile(p.file, (file) => runner.run("import", { ...p, file }, request));
      }
      return await runner.run(kind, job.data.payload as never, request);
    } finally {
      this.taking.delete(cancelled);
      cancelled.abort();
      await watch;
    }
  }

  /** A log of the asking server, put where every worker reads it (the database); its reference for an import job. */
  async putFile(file: string): Promise<string> {
    const id = randomUUID();
    let part = 0;
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: PART_BYTES })) {
        await this.db.pool.query("INSERT INTO job_files (file_id, part, data) VALUES ($1, $2, $3)", [id, part++, chunk]);
      }
    } catch (err) {
      await this.dropFile(id);
      throw err;
    }
    return `${FILE_PREFIX}${id}`;
  }

  /** Removes a log put with `putFile` (by id or reference); nothing when it is gone already. */
  async dropFile(idOrRef: string): Promise<void> {
    const id = idOrRef.startsWith(FILE_PREFIX) ? idOrRef.slice(FILE_PREFIX.length) : idOrRef;
    await this.db.pool.query("DELETE FROM job_files WHERE file_id = $1", [id]);
  }

  /** Runs `fn` on a local copy of a log the asker put in the database (or on a local path as it is). */
  private async withFile<T>(ref: string, fn: (file: string) => Promise<T>): Promise<T> {
    if (!ref.startsWith(FILE_PREFIX)) return fn(ref);
    const id = ref.slice(FILE_PREFIX.length);
    const dir = await mkdtemp(path.join(this.spoolDir, "job-file-"));
    try {
      const file = path.join(dir, "log");
      const out = createWriteStream(file);
      for (let part = 0; ; part++) {
        const { rows } = await this.db.pool.query<{ data: Buffer }>("SELECT data FROM job_files WHERE file_id = $1 AND part = $2", [id, part]);
        if (!rows[0]) break;
        if (!out.write(rows[0].data)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await this.dropFile(id);
    }
  }

  /** Stops taking jobs: those being run are stopped and failed ("the worker stopped"), then the queue's own work ends. */
  async close(): Promise<void> {
    for (const c of this.taking) c.abort(new DomainError("INTERNAL", "the worker taking this job stopped"));
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 30_000 });
  }
}

/** A failed job's error as its asker knows it (a DomainError keeps its code through the queue). */
function jobError(kind: string, output: unknown): Error {
  const o = (output ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof o.code === "string" && (ERROR_CODES as readonly string[]).includes(o.code) ? (o.code as ErrorCode) : "INTERNAL";
  return new DomainError(code, typeof o.message === "string" ? o.message : `the ${kind} job failed`);
}

/**
 * A runner that sends long jobs through the queue and runs the rest on
 * `local` (the asking server's own workers).
 */
export function routedRunner(local: JobRunner, queue: DurableQueue, long: LongJobs = DEFAULT_LONG_JOBS): JobRunner {
  async function isLong(kind: JobKind, payload: unknown): Promise<boolean> {
    switch (kind) {
      case "import":
        return (await stat((payload as JobPayloads["import"]).file)).size >= long.importBytes;
      case "explore":
        return ((payload as JobPayloads["explore"]).maxStates ?? 0) > long.exploreStates;
      case "snapshots":
        return true;
      default:
        return false;
    }
  }
  return {
    async run(kind, payload, request) {
      if (!(await isLong(kind, payload))) return local.run(kind, payload, request);
      if (kind !== "import") return queue.run(kind as DurableKind, payload as never, request) as Promise<JobResults[typeof kind]>;
      const p = payload as JobPayloads["import"];
      const ref = await queue.putFile(p.file);
      try {
        return (await queue.run("import", { ...p, file: ref }, request)) as JobResults[typeof kind];
      } finally {
        // Taken, its worker removed it; cancelled or failed before that, it goes here.
        await queue.dropFile(ref);
      }
    },
    stats: (): JobStats => local.stats(),
    close: () => local.close(),
  };
}
