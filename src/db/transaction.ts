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
