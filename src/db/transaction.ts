/**
 * Transactions and database errors, shared by the stores (events, classroom).
 */
import type pg from "pg";
import { DomainError } from "../errors.ts";

/** Errors of PostgreSQL or of the connection become DATABASE errors saying what was being done; others pass. */
export function databaseError(what: string, err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const e = err as { severity?: unknown; code?: unknown; message?: unknown; name?: unknown } | null;
  const fromDatabase =
    e !== null &&
    typeof e === "object" &&
    (e.severity !== undefined ||
      (typeof e.code === "string" && /^E[A-Z]+$/.test(e.code)) ||
      /^(PrismaClient|DriverAdapter)/.test(String(e.name)) ||
      /Connection terminated/.test(String(e.message)));
  return fromDatabase ? new DomainError("DATABASE", `${what}: ${String(e.message)}`, { cause: err }) : err;
}

/**
 * Runs `fn` in a transaction on one pooled connection. On failure the
 * connection is discarded rather than reused: the server rolls back the
 * transaction of a closed connection, which also ends a COPY in flight.
 */
export async function inTransaction<T>(pool: pg.Pool, what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw databaseError(what, err);
  }
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (err) {
    client.release(err instanceof Error ? err : new Error(String(err)));
    throw databaseError(what, err);
  }
}

/** The version an append expects its stream at (its number of events as the writer saw it), or "any". */
export type ExpectedVersion = number | "any";

/** The tables whose rows are event streams: an `id` and a `version` (the number of its events). */
export type StreamTable = "traces" | "submission_streams";

/**
 * The one optimistic append of racelab's event streams (trace events,
 * submission events), inside the caller's transaction: locks the stream's
 * row, refuses a stale `expected` version (CONFLICT, `what` names the
 * stream), lets `insert` write `count` events from seq version+1, and moves
 * the version on. Null when the stream's row does not exist.
 */
export async function appendToStream(
  client: pg.PoolClient,
  stream: { readonly table: StreamTable; readonly id: string; readonly what: string },
  expected: ExpectedVersion,
  count: number,
  insert: (firstSeq: number) => Promise<void>,
): Promise<{ readonly before: number; readonly version: number } | null> {
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${stream.table} WHERE id = $1 FOR UPDATE`, [stream.id]);
  const before = rows[0]?.version;
  if (before === undefined) return null;
  if (expected !== "any" && expected !== before) throw new DomainError("CONFLICT", `${stream.what}: expected version ${expected}, stream is at ${before}`);
  if (count === 0) return { before, version: before };
  await insert(before + 1);
  const version = before + count;
  await client.query(`UPDATE ${stream.table} SET version = $2 WHERE id = $1`, [stream.id, version]);
  return { before, version };
}
