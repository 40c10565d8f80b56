/**
 * A worker thread of the job pool (runner.ts): it opens its own connection
 * to the database once, then runs the jobs it is given (kinds.ts).
 */
import { workerData } from "node:worker_threads";
import { openDatabase } from "../db/connection.ts";
import { PgEventStore } from "../events/pg-store.ts";
import { createReplayService } from "../replay-service.ts";
import { DomainError } from "../errors.ts";
import { runJob, type Job, type JobKind, type WorkContext } from "./kinds.ts";
import type { WorkerAnswer, WorkerTask } from "./runner.ts";

let work: Promise<WorkContext> | null = null;

async function open(): Promise<WorkContext> {
  const { databaseUrl, spoolDir } = workerData as { databaseUrl: string; spoolDir: string };
  const db = await openDatabase({ url: databaseUrl, migrate: false, poolSize: 4 });
  const store = new PgEventStore(db, true);
  return { store, replay: createReplayService(store), spoolDir };
}

/** A domain error is an answer (its code survives the crossing); anything else is thrown as it is. */
export default async function run<K extends JobKind>({ job, started }: WorkerTask<K>): Promise<WorkerAnswer<K>> {
  work ??= open();
  try {
    const context = await work;
    started.postMessage("started");
    started.close();
    return { ok: true, result: await runJob(context, job) };
  } catch (err) {
    if (err instanceof DomainError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
