/**
 * The PostgreSQL event store (`EventStore`, `SnapshotStore`). Prisma for the
 * ordinary queries; parameterised SQL over the same pool where Prisma has no
 * verb: the row lock that serialises appends to one trace, multi-row inserts,
 * and COPY for imports. Rows ↔ events go through `codec.ts` only.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { DomainError } from "../errors.ts";
import { databaseError, inTransaction } from "../db/transaction.ts";
import { bigintReplacer, EventValidationError } from "./catalog.ts";
import { COPY_COLUMNS, copyLine, eventToRow, rowToEvent, type EventRow, type StoredRow } from "./codec.ts";
import type { EventStore, ExpectedVersion, NewTrace, SnapshotStore, TraceInfo } from "./store.ts";
import type { RaceEvent, StoredEvent } from "./types.ts";
import { openDatabase, type Database, type OpenOptions } from "../db/connection.ts";
import type { Trace as TraceRow } from "../generated/prisma/client.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

/** Rows per INSERT of an append (bounded parameter arrays). */
const INSERT_CHUNK = 5_000;
/**
 * Rows per COPY statement of an import. The embedded server holds a whole COPY
 * in memory before it runs it (embedded.ts), so imports there are cut into
 * statements of this size; a server streams one COPY for the whole import.
 */
export const EMBEDDED_COPY_ROWS = 50_000;

export function copyRowsPerStatement(db: Pick<Database, "kind">): number {
  return db.kind === "embedded" ? EMBEDDED_COPY_ROWS : Number.POSITIVE_INFINITY;
}
/** Bytes of COPY text collected before a write to the stream. */
const COPY_WRITE_BYTES = 256 * 1024;
/** Events per page when reading. */
const READ_PAGE = 10_000;

function traceInfo(t: TraceRow): TraceInfo {
  return {
    id: t.id,
    name: t.name,
    source: { file: t.sourceFile, hash: t.sourceHash, format: t.format },
    createdAt: t.createdAt,
    version: t.version,
    meta: (t.meta ?? null) as Record<string, unknown> | null,
  };
}

/** JSON of a snapshot state: bigints tagged ({"$bigint":"…"}) so that they come back as bigints. */
function toJsonWithTags(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? { $bigint: x.toString() } : x));
}

function reviveTags(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reviveTags);
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "$bigint" && typeof o.$bigint === "string") return BigInt(o.$bigint);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = reviveTags(o[k]);
    return out;
  }
  return v;
}

/**
 * The one-line message of an invalid event: `events[3].data.bytenr: …` for
 * an append, `file:line: event N: data.bytenr: …` for an import.
 */
function badEvent(where: string, joiner: "." | ": ", err: unknown): DomainError {
  if (err instanceof EventValidationError) {
    const field = err.field === "event" ? "" : `${joiner}${err.field}`;
    return new DomainError("BAD_USER_INPUT", `${where}${field}: ${err.problem}`, { cause: err });
  }
  throw err;
}

function validateNewTrace(t: NewTrace): void {
  if (typeof t?.name !== "string" || t.name.trim() === "") throw new DomainError("BAD_USER_INPUT", "trace.name: must be a non-empty string");
  if (typeof t.source?.format !== "string" || t.source.format === "") {
    throw new DomainError("BAD_USER_INPUT", "trace.source.format: must be a non-empty string");
  }
}

export class PgEventStore implements EventStore, SnapshotStore {
  private closed = false;

  /** `ownsDatabase`: close() also closes the database (as `openStore` does). */
  constructor(
    readonly db: Database,
    private readonly ownsDatabase = false,
  ) {}

  private get prisma() {
    return this.db.prisma;
  }

  private get pool(): pg.Pool {
    return this.db.pool;
  }

  // --- traces -----------------------------------------------------------------

  async createTrace(trace: NewTrace): Promise<TraceInfo> {
    validateNewTrace(trace);
    try {
      const row = await this.prisma.trace.create({
        data: {
          id: randomUUID(),
          name: trace.name,
          sourceFile: trace.source.file,
          sourceHash: trace.source.hash,
          format: trace.source.format,
          meta: trace.meta == null ? undefined : JSON.parse(JSON.stringify(trace.meta, bigintReplacer)),
        },
      });
      return traceInfo(row);
    } catch (err) {
      throw databaseError(`creating trace "${trace.name}"`, err);
    }
  }

  async getTrace(id: string): Promise<TraceInfo | null> {
    if (!isUuid(id)) return null;
    const row = await this.prisma.trace.findUnique({ where: { id } });
    return row ? traceInfo(row) : null;
  }

  async findTrace(idOrName: string): Promise<TraceInfo | null> {
    const byId = await this.getTrace(idOrName);
    if (byId) return byId;
    const row = await this.prisma.trace.findFirst({ where: { name: idOrName }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    return row ? traceInfo(row) : null;
  }

  async findTraceByHash(hash: string): Promise<TraceInfo | null> {
    const row = await this.prisma.trace.findFirst({ where: { sourceHash: hash }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    return row ? traceInfo(row) : null;
  }

  async listTraces(): Promise<TraceInfo[]> {
    const rows = await this.prisma.trace.findMany({ orderBy: [{ createdAt: "asc" }, { name: "asc" }] });
    return rows.map(traceInfo);
  }

  async deleteTrace(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    // Events and snapshots go with it (ON DELETE CASCADE).
    const { count } = await this.prisma.trace.deleteMany({ where: { id } });
    return count > 0;
  }

  // --- events -----------------------------------------------------------------

  /** Validates a batch before any write; the error names the event's index and field. */
  private rows(events: readonly RaceEvent[], where: (i: number) => string): EventRow[] {
    if (!Array.isArray(events)) throw new DomainError("BAD_USER_INPUT", "events: expected an array of events");
    return events.map((e, i) => {
      try {
        return eventToRow(e);
      } catch (err) {
        throw badEvent(where(i), ".", err);
      }
    });
  }

  async append(traceId: string, expectedVersion: ExpectedVersion, events: readonly RaceEvent[]): Promise<number> {
    if (expectedVersion !== "any" && !(Number.isInteger(expectedVersion) && expectedVersion >= 0)) {
      throw new DomainError("BAD_USER_INPUT", `expectedVersion: must be a non-negative integer or "any", got ${String(expectedVersion)}`);
    }
    const rows = this.rows(events, (i) => `events[${i}]`);
    if (!isUuid(traceId)) throw new DomainError("NOT_FOUND", `trace ${traceId} not found`);
    return this.transaction(`appending to trace ${traceId}`, async (client) => {
      const { rows: found } = await client.query<{ version: number }>("SELECT version FROM traces WHERE id = $1 FOR UPDATE", [traceId]);
      const current = found[0]?.version;
      if (current === undefined) throw new DomainError("NOT_FOUND", `trace ${traceId} not found`);
      if (expectedVersion !== "any" && expectedVersion !== current) {
        throw new DomainError("CONFLICT", `trace ${traceId}: expected version ${expectedVersion}, stream is at ${current}`);
      }
      if (rows.length === 0) return current;
      for (let at = 0; at < rows.length; at += INSERT_CHUNK) {
        await insertRows(client, traceId, current + at + 1, rows.slice(at, at + INSERT_CHUNK));
      }
      const version = current + rows.length;
      await client.query("UPDATE traces SET version = $2 WHERE id = $1", [traceId, version]);
      return version;
    });
  }

  async read(traceId: string, range: { from?: number; to?: number } = {}): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for await (const page of this.stream(traceId, range)) for (const e of page) out.push(e);
    return out;
  }

  /** Like `read`, in pages of `pageSize` events, for traces too long to hold at once. */
  async *stream(traceId: string, range: { from?: number; to?: number } = {}, pageSize = READ_PAGE): AsyncIterable<StoredEvent[]> {
    if (!isUuid(traceId)) return;
    let from = Math.max(1, range.from ?? 1);
    const to = range.to ?? Number.MAX_SAFE_INTEGER;
    while (from <= to) {
      const rows = await this.prisma.event.findMany({
        where: { traceId, seq: { gte: from, lte: Math.min(to, from + pageSize - 1, 2 ** 31 - 1) } },
        orderBy: { seq: "asc" },
        select: { seq: true, type: true, pid: true, comm: true, cpu: true, ts: true, line: true, data: true, metadata: true },
      });
      if (rows.length === 0) return;
      yield rows.map((r) => decodeStored(traceId, r));
      const last = rows[rows.length - 1]!.seq;
      if (last >= 2 ** 31 - 1) return;
      from = last + 1;
    }
  }

  async importTrace(trace: NewTrace, batches: AsyncIterable<readonly RaceEvent[]> | Iterable<readonly RaceEvent[]>): Promise<TraceInfo> {
    validateNewTrace(trace);
    const id = randomUUID();
    await this.transaction(`importing trace "${trace.name}"`, async (client) => {
      await client.query(
        "INSERT INTO traces (id, name, source_file, source_hash, format, meta) VALUES ($1, $2, $3, $4, $5, $6)",
        [id, trace.name, trace.source.file, trace.source.hash, trace.source.format, trace.meta == null ? null : JSON.stringify(trace.meta, bigintReplacer)],
      );
      const copy = new CopyWriter(client, id, copyRowsPerStatement(this.db));
      try {
        for await (const batch of batches) {
          if (!Array.isArray(batch)) throw new DomainError("BAD_USER_INPUT", `import batch ${copy.count}: expected an array of events`);
          for (const event of batch) {
            let row: EventRow;
            try {
              row = eventToRow(event);
            } catch (err) {
              const line = (event as RaceEvent | undefined)?.origin?.line;
              const place = typeof line === "number" ? `${trace.source.file ?? "line"}${trace.source.file ? ":" : " "}${line}: ` : "";
              throw badEvent(`${place}event ${copy.count + 1}`, ": ", err);
            }
            const writing = copy.write(row);
            if (writing) await writing;
          }
        }
        await copy.end();
      } catch (err) {
        copy.abandon();
        throw err;
      }
      // `meta` may have been filled while the events streamed in (the ftrace import report): store it as it is now.
      const meta = trace.meta == null ? null : JSON.stringify(trace.meta, bigintReplacer);
      await client.query("UPDATE traces SET version = $2, meta = $3 WHERE id = $1", [id, copy.count, meta]);
    });
    const info = await this.getTrace(id);
    if (!info) throw new DomainError("INTERNAL", `imported trace ${id} vanished`);
    return info;
  }

  // --- snapshots -------------------------------------------------------------------

  async saveSnapshots(traceId: string, rules: string, snapshots: readonly { seq: number; state: unknown }[]): Promise<void> {
    if (snapshots.length === 0) return;
    await this.transaction(`saving snapshots of trace ${traceId}`, async (client) => {
      for (let at = 0; at < snapshots.length; at += 500) {
        const part = snapshots.slice(at, at + 500);
        await client.query(
          `INSERT INTO snapshots (trace_id, rules, seq, state)
           SELECT $1, $2, s.seq, s.state FROM unnest($3::int[], $4::jsonb[]) AS s(seq, state)
           ON CONFLICT (trace_id, rules, seq) DO UPDATE SET state = EXCLUDED.state, created_at = CURRENT_TIMESTAMP`,
          [traceId, rules, part.map((s) => s.seq), part.map((s) => toJsonWithTags(s.state))],
        );
      }
    });
  }

  async nearestSnapshot(traceId: string, rules: string, seq: number): Promise<{ seq: number; state: unknown } | null> {
    if (!isUuid(traceId)) return null;
    const row = await this.prisma.snapshot.findFirst({
      where: { traceId, rules, seq: { lte: seq } },
      orderBy: { seq: "desc" },
      select: { seq: true, state: true },
    });
    return row ? { seq: row.seq, state: reviveTags(row.state) } : null;
  }

  async snapshotSeqs(traceId: string, rules: string): Promise<number[]> {
    if (!isUuid(traceId)) return [];
    const rows = await this.prisma.snapshot.findMany({ where: { traceId, rules }, orderBy: { seq: "asc" }, select: { seq: true } });
    return rows.map((r) => r.seq);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDatabase) await this.db.close();
  }

  // --- plumbing ---------------------------------------------------------------------

  private transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, what, fn);
  }

}

function decodeStored(traceId: string, r: StoredRow): StoredEvent {
  try {
    return rowToEvent(r);
  } catch (err) {
    if (err instanceof EventValidationError) {
      throw new DomainError("INTERNAL", `trace ${traceId} event ${r.seq}: stored event does not decode: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

async function insertRows(client: pg.PoolClient, traceId: string, firstSeq: number, rows: readonly EventRow[]): Promise<void> {
  await client.query(
    `INSERT INTO events (trace_id, seq, type, pid, comm, cpu, ts, line, data, metadata)
     SELECT $1, e.seq, e.type, e.pid, e.comm, e.cpu, e.ts, e.line, e.data, e.metadata
       FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::int[], $7::bigint[], $8::int[], $9::jsonb[], $10::jsonb[])
         AS e(seq, type, pid, comm, cpu, ts, line, data, metadata)
      ORDER BY e.seq`,
    [
      traceId,
      rows.map((_, i) => firstSeq + i),
      rows.map((r) => r.type),
      rows.map((r) => r.pid),
      rows.map((r) => r.comm),
      rows.map((r) => r.cpu),
      rows.map((r) => (r.ts === null ? null : r.ts.toString())),
      rows.map((r) => r.line),
      rows.map((r) => r.data),
      rows.map((r) => r.metadata),
    ],
  );
}

/**
 * Streams rows into `events` with COPY FROM STDIN (text format), rotating to
 * a new COPY statement every COPY_ROWS_PER_STATEMENT rows, all inside the
 * caller's transaction. Seqs are 1..count in the order rows are written.
 */
class CopyWriter {
  count = 0;
  private stream: ReturnType<typeof copyFrom> | null = null;
  private inStatement = 0;
  private buffer = "";
  private failure: Error | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly traceId: string,
    private readonly rowsPerStatement: number,
  ) {}

  /** Adds a row; returns a promise only when it had to write out (no await per row otherwise). */
  write(row: EventRow): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    this.count += 1;
    this.buffer += copyLine(this.traceId, this.count, row);
    this.inStatement += 1;
    if (this.inStatement >= this.rowsPerStatement) return this.finishStatement();
    if (this.buffer.length >= COPY_WRITE_BYTES) return this.flush();
    return undefined;
  }

  async end(): Promise<void> {
    await this.finishStatement();
  }

  /** Gives up: the caller discards the connection, which ends the COPY and the transaction. */
  abandon(): void {
    this.stream?.removeAllListeners();
    this.stream?.on("error", () => {});
    this.stream = null;
  }

  private open(): ReturnType<typeof copyFrom> {
    if (!this.stream) {
      const stream = this.client.query(copyFrom(`COPY events (${COPY_COLUMNS}) FROM STDIN`));
      stream.on("error", (err: Error) => {
        this.failure ??= err;
      });
      this.stream = stream;
    }
    return this.stream;
  }

  private async flush(): Promise<void> {
    if (this.buffer === "") return;
    const stream = this.open();
    const chunk = this.buffer;
    this.buffer = "";
    if (!stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          stream.off("drain", done);
          stream.off("error", done);
          if (err) reject(err);
          else resolve();
        };
        stream.on("drain", done);
        stream.on("error", done);
      });
    }
    if (this.failure) throw this.failure;
  }

  private async finishStatement(): Promise<void> {
    await this.flush();
    const stream = this.stream;
    this.inStatement = 0;
    if (!stream) return;
    this.stream = null;
    await new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      stream.once("finish", resolve);
      stream.once("error", reject);
      stream.end();
    });
  }
}

/** Opens the database (see `openDatabase`) and a store over it; closing the store closes the database. */
export async function openStore(opts: OpenOptions = {}): Promise<PgEventStore> {
  return new PgEventStore(await openDatabase(opts), true);
}
