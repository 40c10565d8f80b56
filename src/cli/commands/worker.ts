/**
 * `racelab worker [--jobs N]`: takes long jobs — large imports, big
 * explorations, snapshot builds — from the durable queue in PostgreSQL and
 * runs them in its own worker threads, under each job's owner's budget,
 * until SIGTERM. Run any number, on any machine that reaches the database
 * (DATABASE_URL): that is how racelab scales out (docs/scaling.md).
 */
import { DomainError } from "../../errors.ts";
import { defaultDataDir } from "../../db/data-dir.ts";
import type { DurableQueue } from "../../jobs/queue.ts";
import { processSpool, sweepSpool } from "../../spool.ts";
import { openCommandStore, parseCommandArgs, type StorelessContext } from "../command.ts";

export const name = "worker";
export const summary = "take long jobs (large imports, big explorations, snapshot builds) from the queue in PostgreSQL";
export const usage = "racelab worker [--jobs N]";
export const needsStore = false;
export const options = {
  jobs: { type: "string", value: "N", description: "jobs taken at once per kind (default 1; its threads: RACELAB_WORKERS)" },
} as const;

/** Checks the flags; opens nothing. */
export function parse(argv: readonly string[]): { jobs: number } {
  const { values } = parseCommandArgs(name, argv, options);
  const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new DomainError("BAD_USER_INPUT", `--jobs: expected 1..64, got ${JSON.stringify(values.jobs)}`);
  return { jobs };
}

export async function run(argv: readonly string[], ctx: StorelessContext): Promise<number> {
  const { jobs } = parse(argv);
  // The queue (pg-boss) and the pool (piscina) load when the worker starts.
  const [{ DurableQueue }, { poolOptionsFromEnv, poolRunner }] = await Promise.all([import("../../jobs/queue.ts"), import("../../jobs/runner.ts")]);
  const store = await openCommandStore({ url: ctx.env.DATABASE_URL || null });
  const dataDir = defaultDataDir(ctx.env);
  sweepSpool(dataDir);
  const spoolDir = processSpool(dataDir);
  const pool = poolRunner({ databaseUrl: store.db.url, spoolDir, ...poolOptionsFromEnv(ctx.env) });
  let queue: DurableQueue | null = null;
  const stop = async () => {
    await queue?.close();
    await pool.close();
    await store.close();
  };
  try {
    queue = await DurableQueue.open(store.db, spoolDir);
    await queue.consume(pool, jobs);
  } catch (err) {
    await stop();
    throw err;
  }
  ctx.stdout.write(`racelab worker: taking jobs from ${store.db.location} (${jobs} at a time per kind)\n`);
  return new Promise<number>((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      ctx.stdout.write(`racelab worker: ${signal}: stopping\n`);
      stop().then(() => resolve(0), reject);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
