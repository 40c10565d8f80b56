/**
 * The PostgreSQL event store (`EventStore`, `SnapshotStore`, `VerdictStore`). Prisma for the
 * ordinary queries; parameterised SQL over the same pool where Prisma has no
 * verb: the row lock that serialises appends to one trace, multi-row inserts,
 * and COPY for imports. Rows ↔ events go through `codec.ts` only.
 *
 * Trace lookups and verdicts are SQL too: nearly every command makes them,
 * and a process whose only queries they are (`racelab traces`, a check
 * answered from its stored verdict) then never starts Prisma's query
 * compiler, WebAssembly that costs ~100 ms of start-up at the first Prisma query.
 */
import { checkName, isUuid } from "../names.ts";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { DomainError } from "../errors.ts";
import { appendToStream, databaseError, inTransaction } from "../db/transaction.ts";
import { bigintReplacer, decodeJson, encodeJson } from "../bigint-json.ts";
import { EventValidationError } from "./catalog.ts";
import { COPY_COLUMNS, EVENT_COLUMNS, eventToRow, rowToEvent, type EventRow, type StoredRow } from "./codec.ts";
import * as sql from "./pg-query.ts";
import type { EventQuery, LaneKey, TraceOverview, WindowOptions } from "./query.ts";
import { blockLines, sourceLineProblem, type SourceLine } from "./source-lines.ts";
import { BadImportEvent, ImportRowsEncoder, SOURCE_LINE_COLUMNS, type EncodedRows } from "./import-rows.ts";
import type { EncodedBatch, EventStore, ExpectedVersion, ImportBatch, ImportTransaction, NewTrace, SnapshotStore, TraceInfo, VerdictStore } from "./store.ts";
import type { RaceEvent, StoredEvent } from "./types.ts";
import { openDatabase, type Database, type OpenOptions } from "../db/connection.ts";
import type { Trace as TraceRow } from "../generated/prisma/client.ts";


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
/**
 * Bytes of source-line blocks an import holds before it writes them, in one COPY statement between two of
 * its events' (about 1/8 of that once compressed): bounded memory (a 1 GB import peaked at 280 MB RSS with
 * 16 MB, 228 MB with this), and the server compresses them while the parse goes on.
 */
export const SOURCE_BATCH_BYTES = 4 << 20;

/** Snapshot rows per INSERT (two parameters each). */
const SNAPSHOTS_PER_INSERT = 100;
/** Events per page when reading. */
const READ_PAGE = 10_000;
/** SQLSTATE of a foreign key violation. */
const FOREIGN_KEY_VIOLATION = "23503";
/** The largest seq (an INTEGER column). */
const MAX_SEQ = 2 ** 31 - 1;

function traceInfo(t: TraceColumns): TraceInfo {
  return {
    id: t.id,
    name: t.name,
    source: { file: t.sourceFile, hash: t.sourceHash, format: t.format },
    createdAt: t.createdAt,
    version: t.version,
    meta: (t.meta ?? null) as Record<string, unknown> | null,
    owner: { courseId: t.courseId, userId: t.ownerId },
  };
}

/** The columns of a `traces` row as `traceInfo` reads them (SQL lookups). */
const TRACE_COLUMNS = `id, name, source_file AS "sourceFile", source_hash AS "sourceHash", format, version, meta, created_at AS "createdAt",
  course_id AS "courseId", owner_id AS "ownerId"`;
type TraceColumns = Pick<TraceRow, "id" | "name" | "sourceFile" | "sourceHash" | "format" | "version" | "meta" | "createdAt" | "courseId" | "ownerId">;

/** JSON text of a stored state or report, bigints kept exact (src/bigint-json.ts). */
const storedJson = (v: unknown): string => JSON.stringify(encodeJson(v));
const fromStoredJson = (text: string): unknown => decodeJson(JSON.parse(text));

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

/** The trace's row (a fork's: its version and the base whose prefix it shares). */
async function insertTrace(
  client: pg.PoolClient,
  id: string,
  trace: NewTrace,
  fork: { readonly version: number; readonly baseId: string | null; readonly baseSeq: number | null } = { version: 0, baseId: null, baseSeq: null },
): Promise<void> {
  await client.query(
    `INSERT INTO traces (id, name, source_file, source_hash, format, meta, version, base_id, base_seq, course_id, owner_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      trace.name,
      trace.source.file,
      trace.source.hash,
      trace.source.format,
      trace.meta == null ? null : JSON.stringify(trace.meta, bigintReplacer),
      fork.version,
      fork.baseId,
      fork.baseSeq,
      trace.owner?.courseId ?? null,
      trace.owner?.userId ?? null,
    ],
  );
}

function validateNewTrace(t: NewTrace): void {
  if (typeof t?.name !== "string" || t.name.trim() === "") throw new DomainError("BAD_USER_INPUT", "trace.name: must be a non-empty string");
  checkName("trace.name", t.name, 1000);
  if (typeof t.source?.format !== "string" || t.source.format === "") {
    throw new DomainError("BAD_USER_INPUT", "trace.source.format: must be a non-empty string");
  }
}

/** Overviews kept (by trace id and version), least recently used first out. */
const OVERVIEWS_KEPT = 8;

export class PgEventStore implements EventStore, SnapshotStore, VerdictStore {
  private closed = false;
  private readonly overviews = new Map<string, Promise<TraceOverview>>();

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
          courseId: trace.owner?.courseId ?? null,
          ownerId: trace.owner?.userId ?? null,
        },
      });
      return traceInfo(row);
    } catch (err) {
      throw databaseError(`creating trace "${trace.name}"`, err);
    }
  }

  /** The traces of `where` (a condition on `$1`) in `order`. */
  private async traces(where: string, param: string | null, order: string, limit?: number): Promise<TraceInfo[]> {
    const { rows } = await this.pool.query<TraceColumns>(
      `SELECT ${TRACE_COLUMNS} FROM traces ${where} ORDER BY ${order}${limit ? ` LIMIT ${limit}` : ""}`,
      param === null ? [] : [param],
    );
    return rows.map(traceInfo);
  }

  async getTrace(id: string): Promise<TraceInfo | null> {
    if (!isUuid(id)) return null;
    return (await this.traces("WHERE id = $1", id, "id", 1))[0] ?? null;
  }

  async findTrace(idOrName: string): Promise<TraceInfo | null> {
    // No name holds a NUL (PostgreSQL text cannot): asking the database would only make it complain.
    if (idOrName.includes("\u0000")) return null;
    const byId = await this.getTrace(idOrName);
    if (byId) return byId;
    return (await this.traces("WHERE name = $1", idOrName, "created_at DESC, id DESC", 1))[0] ?? null;
  }

  async findTraceByHash(hash: string): Promise<TraceInfo | null> {
    return (await this.traces("WHERE source_hash = $1", hash, "created_at DESC, id DESC", 1))[0] ?? null;
  }

  async listTraces(): Promise<TraceInfo[]> {
    return this.traces("", null, "created_at ASC, name ASC");
  }

  async deleteTrace(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.transaction(`deleting trace ${id}`, async (client) => {
      const { rows } = await client.query<{ base_id: string | null; base_seq: number | null }>(
        "SELECT base_id, base_seq FROM traces WHERE id = $1 FOR UPDATE",
        [id],
      );
      const trace = rows[0];
      if (!trace) return false;
      // A trace behind an exercise stays (the foreign key would refuse it anyway): say which exercises.
      const { rows: users } = await client.query<{ slug: string; course: string }>(
        `SELECT e.slug, c.name AS course FROM exercise_traces et JOIN exercises e ON e.id = et.exercise_id JOIN courses c ON c.id = e.course_id
         WHERE et.trace_id = $1 ORDER BY c.name, e.slug`,
        [id],
      );
      if (users.length > 0) {
        const named = users.map((u) => `${JSON.stringify(u.slug)} of course ${JSON.stringify(u.course)}`).join(", ");
        throw new DomainError("CONFLICT", `trace ${id} is behind exercise${users.length > 1 ? "s" : ""} ${named}: delete ${users.length > 1 ? "them" : "it"} first`);
      }
      // Its forks keep their prefix: what they share of this trace's own rows is copied into them,
      // and they are re-based on this trace's base (forks are flattened: base_seq > this base_seq).
      const own = trace.base_seq ?? 0;
      const { rows: forks } = await client.query<{ id: string; base_seq: number }>(
        "SELECT id, base_seq FROM traces WHERE base_id = $1 ORDER BY id FOR UPDATE",
        [id],
      );
      for (const fork of forks) {
        await client.query(
          `INSERT INTO events (${COPY_COLUMNS})
           SELECT $2, ${EVENT_COLUMNS} FROM events WHERE trace_id = $1 AND seq > $3 AND seq <= $4 ORDER BY seq`,
          [id, fork.id, own, fork.base_seq],
        );
        // The source lines of those events go with them: the blocks of their lines (recorded order is
        // line order, so a range), for those events only (max_seq): the fork's own events are not theirs.
        await client.query(
          `INSERT INTO source_lines (trace_id, first_line, last_line, text, max_seq)
           SELECT $2, s.first_line, s.last_line, s.text, LEAST(s.max_seq, $4)
             FROM source_lines s, (SELECT min(line) AS lo, max(line) AS hi FROM events WHERE trace_id = $1 AND seq > $3 AND seq <= $4) r
            WHERE s.trace_id = $1 AND s.last_line >= r.lo AND s.first_line <= r.hi
           ON CONFLICT DO NOTHING`,
          [id, fork.id, own, fork.base_seq],
        );
        await client.query("UPDATE traces SET base_id = $2, base_seq = $3 WHERE id = $1", [fork.id, trace.base_id, trace.base_id ? own : null]);
      }
      // Events and snapshots go with it (ON DELETE CASCADE).
      await client.query("DELETE FROM traces WHERE id = $1", [id]);
      return true;
    });
  }

  /**
   * A what-if branch: a new trace whose events 1..atSeq are `baseId`'s —
   * shared, not copied, so a fork costs one row whatever the prefix's length —
   * and whose appends follow them. A fork inside its base's own shared prefix
   * is made on that base's base (chains stay as short as the forking demands).
   */
  async forkTrace(baseId: string, atSeq: number, trace: NewTrace): Promise<TraceInfo> {
    validateNewTrace(trace);
    if (!isUuid(baseId)) throw new DomainError("NOT_FOUND", `trace ${baseId} not found`);
    const id = randomUUID();
    await this.transaction(`forking trace ${baseId}`, async (client) => {
      // FOR SHARE: the base cannot be deleted (its forks re-based) while this fork is made.
      const { rows } = await client.query<{ version: number }>("SELECT version FROM traces WHERE id = $1 FOR SHARE", [baseId]);
      const version = rows[0]?.version;
      if (version === undefined) throw new DomainError("NOT_FOUND", `trace ${baseId} not found`);
      if (!(Number.isInteger(atSeq) && atSeq >= 0 && atSeq <= version)) {
        throw new DomainError("BAD_USER_INPUT", `atSeq: ${atSeq} is not within 0..${version}`);
      }
      let base: string | null = atSeq > 0 ? baseId : null;
      while (base) {
        const { rows: up } = await client.query<{ base_id: string | null; base_seq: number | null }>(
          "SELECT base_id, base_seq FROM traces WHERE id = $1 FOR SHARE",
          [base],
        );
        if (up[0]?.base_id == null || atSeq > up[0].base_seq!) break;
        base = up[0].base_id;
      }
      await insertTrace(client, id, trace, { version: atSeq, baseId: base, baseSeq: base ? atSeq : null });
    });
    const info = await this.getTrace(id);
    if (!info) throw new DomainError("INTERNAL", `fork ${id} vanished`);
    return info;
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
      const appended = await appendToStream(client, { table: "traces", id: traceId, what: `trace ${traceId}` }, expectedVersion, rows.length, async (first) => {
        for (let at = 0; at < rows.length; at += INSERT_CHUNK) await insertRows(client, traceId, first + at, rows.slice(at, at + INSERT_CHUNK));
      });
      if (!appended) throw new DomainError("NOT_FOUND", `trace ${traceId} not found`);
      return appended.version;
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
    const wanted = { from: Math.max(1, range.from ?? 1), to: Math.min(range.to ?? MAX_SEQ, MAX_SEQ) };
    // Plain pg, not Prisma: a whole stream is a bulk read (Prisma's row handling took ~1.5× as long), and the next
    // page is asked for while this one is decoded.
    const page = (id: string, from: number, to: number) =>
      this.pool.query<StoredRow>(
        "SELECT seq, type, pid, comm, cpu, ts, line, data, metadata FROM events WHERE trace_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
        [id, from, to],
      );
    for (const part of await this.parts(traceId)) {
      const first = Math.max(wanted.from, part.from);
      const to = Math.min(wanted.to, part.to);
      const pageAt = (from: number) => {
        if (from > to) return null;
        const rows = page(part.traceId, from, Math.min(to, from + pageSize - 1));
        rows.catch(() => {}); // a reader that stops early leaves it unread: its failure is nobody's
        return rows;
      };
      let next = pageAt(first);
      for (let from = first; next; from += pageSize) {
        const { rows } = await next;
        // Seqs have no holes: a short page is the stream's end.
        next = rows.length === pageSize ? pageAt(from + pageSize) : null;
        if (rows.length === 0) return;
        yield rows.map((r) => decodeStored(traceId, r));
        if (rows.length < Math.min(pageSize, to - from + 1)) return;
      }
    }
  }

  /**
   * Where a trace's events are stored, oldest first: for a fork, its base's
   * prefix (itself perhaps a fork's), then its own rows; one part otherwise.
   */
  private async parts(traceId: string): Promise<{ traceId: string; from: number; to: number }[]> {
    const { rows } = await this.pool.query<{ id: string; base_seq: number | null }>(
      `WITH RECURSIVE chain AS (
         SELECT id, base_id, base_seq, 0 AS depth FROM traces WHERE id = $1
         UNION ALL
         SELECT t.id, t.base_id, t.base_seq, chain.depth + 1 FROM traces t JOIN chain ON t.id = chain.base_id
       )
       SELECT id, base_seq FROM chain ORDER BY depth`,
      [traceId],
    );
    const parts: { traceId: string; from: number; to: number }[] = [];
    let to = MAX_SEQ;
    for (const r of rows) {
      const own = r.base_seq ?? 0;
      if (own < to) parts.push({ traceId: r.id, from: own + 1, to });
      to = Math.min(to, own);
    }
    return parts.reverse();
  }

  // --- windows and overviews (the timeline of a real-size log) ------------------------

  async findEvents(traceId: string, q: EventQuery | null, window: WindowOptions): Promise<StoredEvent[]> {
    if (!isUuid(traceId)) return [];
    const rows = await sql.findRows(this.pool, await this.parts(traceId), q, window);
    return rows.map((r) => decodeStored(traceId, r));
  }

  async countEvents(traceId: string, q: EventQuery | null): Promise<number> {
    return isUuid(traceId) ? sql.countRows(this.pool, await this.parts(traceId), q) : 0;
  }

  async matchRanks(traceId: string, q: EventQuery | null, seqs: readonly number[]): Promise<number[]> {
    return isUuid(traceId) ? sql.ranks(this.pool, await this.parts(traceId), q, seqs) : seqs.map(() => 0);
  }

  async overview(traceId: string): Promise<TraceOverview> {
    const trace = await this.getTrace(traceId);
    if (!trace) throw new DomainError("NOT_FOUND", `trace ${traceId} not found`);
    const key = `${trace.id}@${trace.version}`;
    let found = this.overviews.get(key);
    if (found) this.overviews.delete(key);
    else found = this.parts(trace.id).then((parts) => sql.overview(this.pool, parts));
    this.overviews.set(key, found);
    for (const old of this.overviews.keys()) {
      if (this.overviews.size <= OVERVIEWS_KEPT) break;
      this.overviews.delete(old);
    }
    try {
      return await found;
    } catch (err) {
      this.overviews.delete(key);
      throw err;
    }
  }

  async seqAtTime(traceId: string, ts: bigint): Promise<number | null> {
    const trace = await this.getTrace(traceId);
    if (!trace || trace.version === 0) return null;
    return sql.seqAtTime(this.pool, await this.parts(trace.id), ts, 1, trace.version);
  }

  async density(traceId: string, q: EventQuery | null, fromTs: bigint, toTs: bigint, buckets: number, lane: LaneKey): Promise<{ lane: string; counts: number[] }[]> {
    const trace = await this.getTrace(traceId);
    if (!trace || trace.version === 0 || toTs <= fromTs) return [];
    const parts = await this.parts(trace.id);
    const fromSeq = await sql.seqAtTime(this.pool, parts, fromTs, 1, trace.version);
    if (fromSeq === null) return [];
    const after = await sql.seqAtTime(this.pool, parts, toTs, fromSeq, trace.version);
    const toSeq = after === null ? trace.version : after;
    return sql.density(this.pool, parts, q, { fromTs, toTs, fromSeq, toSeq }, buckets, lane);
  }

  async sourceLines(traceId: string, events: readonly { readonly seq: number; readonly line: number | null }[]): Promise<Map<number, SourceLine>> {
    const out = new Map<number, SourceLine>();
    const withLine = events.filter((e) => e.line !== null);
    if (!isUuid(traceId) || withLine.length === 0) return out;
    // Each event's line is in the source of the trace part that stores the event (a fork shares its base's).
    for (const part of await this.parts(traceId)) {
      const mine = withLine.filter((e) => e.seq >= part.from && e.seq <= part.to);
      if (mine.length === 0) continue;
      const lines = [...new Set(mine.map((e) => e.line!))];
      // Only the blocks holding a wanted line: the last block starting at or before it.
      const { rows } = await this.pool.query<{ text: string; max_seq: number | null }>(
        `SELECT DISTINCT ON (b.first_line) b.text, b.max_seq
           FROM unnest($2::int[]) AS l(line)
           CROSS JOIN LATERAL (
             SELECT first_line, last_line, text, max_seq FROM source_lines
              WHERE trace_id = $1 AND first_line <= l.line ORDER BY first_line DESC LIMIT 1
           ) b
          WHERE b.last_line >= l.line`,
        [part.traceId, lines],
      );
      const wanted = new Set(lines);
      const texts = new Map<number, { text: string; maxSeq: number | null }>();
      for (const r of rows) for (const [line, text] of blockLines(r.text, wanted)) texts.set(line, { text, maxSeq: r.max_seq });
      for (const e of mine) {
        const t = texts.get(e.line!);
        if (t !== undefined && (t.maxSeq === null || e.seq <= t.maxSeq)) out.set(e.seq, { line: e.line!, text: t.text });
      }
    }
    return out;
  }

  async importTrace(
    trace: NewTrace,
    batches: AsyncIterable<readonly RaceEvent[] | ImportBatch | EncodedBatch> | Iterable<readonly RaceEvent[] | ImportBatch | EncodedBatch>,
    beforeCommit?: (tx: ImportTransaction) => Promise<void>,
  ): Promise<TraceInfo> {
    validateNewTrace(trace);
    const id = trace.id ?? randomUUID();
    await this.transaction(`importing trace "${trace.name}"`, async (client) => {
      await insertTrace(client, id, trace);
      const copy = new CopyWriter(client, id, copyRowsPerStatement(this.db));
      // Batches of events are encoded here; an importer may hand rows it encoded already (the same encoder).
      const encoder = new ImportRowsEncoder(id);
      let lastSourceLine = 0;
      try {
        for await (const item of batches) {
          const encoded = (item as EncodedBatch | null)?.encoded;
          if (encoded) {
            await copy.writeEncoded(encoded);
            continue;
          }
          const batch: unknown = Array.isArray(item) ? item : (item as ImportBatch | null)?.events;
          if (!Array.isArray(batch)) throw new DomainError("BAD_USER_INPUT", `import batch ${encoder.seq}: expected an array of events`);
          const lines = (Array.isArray(item) ? undefined : (item as ImportBatch).sourceLines) ?? [];
          for (const l of lines) {
            const problem = sourceLineProblem(l, lastSourceLine);
            if (problem) throw new DomainError("BAD_USER_INPUT", `${trace.source.file ?? "import"}: source line: ${problem}`);
            lastSourceLine = l.line;
          }
          try {
            encoder.add(batch as readonly RaceEvent[], lines);
          } catch (err) {
            if (!(err instanceof BadImportEvent)) throw err;
            throw new DomainError("BAD_USER_INPUT", err.at(trace.source.file), { cause: err.problem });
          }
          const rows = encoder.take();
          if (rows) await copy.writeEncoded(rows);
        }
        const rest = encoder.take(true);
        if (rest) await copy.writeEncoded(rest);
        await copy.end();
      } catch (err) {
        copy.abandon();
        throw err;
      }
      // `meta` and `source.hash` may have been filled while the events streamed in (the ftrace
      // import's report, and its content hash, known once the content is read): store them as they are now.
      const meta = trace.meta == null ? null : JSON.stringify(trace.meta, bigintReplacer);
      await client.query("UPDATE traces SET version = $2, meta = $3, source_hash = $4 WHERE id = $1", [id, copy.count, meta, trace.source.hash]);
      await beforeCommit?.({
        traceWithHash: async (hash) => {
          const { rows } = await client.query<{ id: string; name: string }>(
            "SELECT id, name FROM traces WHERE source_hash = $1 AND id <> $2 ORDER BY created_at DESC, id DESC LIMIT 1",
            [hash, id],
          );
          return rows[0] ?? null;
        },
      });
    });
    const info = await this.getTrace(id);
    if (!info) throw new DomainError("INTERNAL", `imported trace ${id} vanished`);
    return info;
  }

  // --- snapshots -------------------------------------------------------------------

  async saveSnapshots(traceId: string, rules: string, snapshots: readonly { seq: number; state: unknown }[]): Promise<void> {
    if (snapshots.length === 0) return;
    await this.transaction(`saving snapshots of trace ${traceId}`, async (client) => {
      // One parameter per state (not an array literal: the server would parse each state's text once more).
      for (let at = 0; at < snapshots.length; at += SNAPSHOTS_PER_INSERT) {
        const part = snapshots.slice(at, at + SNAPSHOTS_PER_INSERT);
        const values = part.map((_, i) => `($1, $2, $${3 + 2 * i}::int, $${4 + 2 * i}::text)`).join(", ");
        await client.query(
          `INSERT INTO snapshots (trace_id, rules, seq, state) VALUES ${values}
           ON CONFLICT (trace_id, rules, seq) DO UPDATE SET state = EXCLUDED.state, created_at = CURRENT_TIMESTAMP`,
          [traceId, rules, ...part.flatMap((s) => [s.seq, storedJson(s.state)])],
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
    return row ? { seq: row.seq, state: fromStoredJson(row.state) } : null;
  }

  async snapshotRange(traceId: string, rules: string, from: number, to: number): Promise<{ seq: number; state: unknown }[]> {
    if (!isUuid(traceId)) return [];
    const rows = await this.prisma.snapshot.findMany({
      where: { traceId, rules, seq: { gte: from, lte: to } },
      orderBy: { seq: "asc" },
      select: { seq: true, state: true },
    });
    return rows.map((r) => ({ seq: r.seq, state: fromStoredJson(r.state) }));
  }

  async snapshotSeqs(traceId: string, rules: string): Promise<number[]> {
    if (!isUuid(traceId)) return [];
    const rows = await this.prisma.snapshot.findMany({ where: { traceId, rules }, orderBy: { seq: "asc" }, select: { seq: true } });
    return rows.map((r) => r.seq);
  }

  // --- verdicts ---------------------------------------------------------------------

  async loadVerdict(traceId: string, rules: string, engine: number, version: number): Promise<unknown | null> {
    if (!isUuid(traceId)) return null;
    const { rows } = await this.pool.query<{ report: string }>(
      "SELECT report FROM verdicts WHERE trace_id = $1 AND rules = $2 AND engine = $3 AND trace_version = $4",
      [traceId, rules, engine, version],
    );
    return rows[0] ? fromStoredJson(rows[0].report) : null;
  }

  async saveVerdict(traceId: string, rules: string, engine: number, version: number, report: unknown): Promise<void> {
    if (!isUuid(traceId)) return;
    try {
      await this.transaction(`saving the verdict of trace ${traceId}`, async (client) => {
        // Verdicts of other engine versions are never read again.
        await client.query("DELETE FROM verdicts WHERE trace_id = $1 AND rules = $2 AND engine <> $3", [traceId, rules, engine]);
        await client.query(
          `INSERT INTO verdicts (trace_id, rules, engine, trace_version, report) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (trace_id, rules, engine) DO UPDATE
             SET trace_version = EXCLUDED.trace_version, report = EXCLUDED.report, created_at = CURRENT_TIMESTAMP
             WHERE verdicts.trace_version <= EXCLUDED.trace_version`,
          [traceId, rules, engine, version, storedJson(report)],
        );
      });
    } catch (err) {
      // The trace was deleted while it was replayed: nothing to keep.
      const cause = err instanceof DomainError ? err.cause : err;
      if ((cause as { code?: unknown } | null)?.code === FOREIGN_KEY_VIOLATION) return;
      throw err;
    }
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
 * Streams encoded rows into `events` with COPY FROM STDIN (text format),
 * rotating to a new COPY statement every `rowsPerStatement` rows (at a
 * piece's end), all inside the caller's transaction. The source-line blocks
 * are held and written (one connection, one COPY at a time: the events'
 * statement ends for them) once they reach SOURCE_BATCH_BYTES, when a
 * statement ends, and at the end.
 */
class CopyWriter {
  count = 0;
  /** Source-line blocks not yet written: COPY rows, whole rows in each. */
  private sources: Uint8Array[] = [];
  private sourceBytes = 0;
  private stream: ReturnType<typeof copyFrom> | null = null;
  private inStatement = 0;
  private failure: Error | null = null;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly traceId: string,
    private readonly rowsPerStatement: number,
  ) {}

  /** Adds rows of `ImportRowsEncoder`: they must be this trace's and follow on from the rows written so far. */
  async writeEncoded(rows: EncodedRows): Promise<void> {
    if (this.failure) throw this.failure;
    if (rows.traceId !== this.traceId || rows.firstSeq !== this.count + 1) {
      throw new DomainError("INTERNAL", `encoded rows for ${rows.traceId} from seq ${rows.firstSeq}, expected ${this.traceId} from ${this.count + 1}`);
    }
    if (rows.sourceLines.length > 0) {
      this.sources.push(rows.sourceLines);
      this.sourceBytes += rows.sourceLines.length;
    }
    if (rows.count > 0) {
      this.count += rows.count;
      this.inStatement += rows.count;
      const stream = this.open();
      if (!stream.write(rows.events)) await once(stream, "drain"); // rejects on an error meanwhile
      if (this.failure) throw this.failure;
    }
    if (this.inStatement >= this.rowsPerStatement || this.sourceBytes >= SOURCE_BATCH_BYTES) {
      await this.finishStatement();
      await this.writeSources();
    }
  }

  /** Ends the events' COPY, then writes the source lines held, all in the caller's transaction. */
  async end(): Promise<void> {
    await this.finishStatement();
    await this.writeSources();
  }

  /** The source-line blocks held, in one COPY statement. */
  private async writeSources(): Promise<void> {
    const pieces = this.sources;
    if (pieces.length === 0) return;
    this.sources = [];
    this.sourceBytes = 0;
    const stream = this.client.query(copyFrom(`COPY source_lines (${SOURCE_LINE_COLUMNS}) FROM STDIN`));
    const finished = new Promise<void>((resolve, reject) => {
      stream.once("finish", resolve);
      stream.once("error", reject);
    });
    finished.catch(() => {}); // awaited below, unless a write fails first
    for (const piece of pieces) if (!stream.write(piece)) await once(stream, "drain");
    stream.end();
    await finished;
  }

  /** Gives up: the caller discards the connection, which ends the COPY and the transaction. */
  abandon(): void {
    this.sources = [];
    this.sourceBytes = 0;
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

  /** Ends the events' COPY statement, if one is open. */
  private async finishStatement(): Promise<void> {
    const stream = this.stream;
    this.inStatement = 0;
    if (stream) {
      this.stream = null;
      await new Promise<void>((resolve, reject) => {
        if (this.failure) return reject(this.failure);
        stream.once("finish", resolve);
        stream.once("error", reject);
        stream.end();
      });
    }
  }
}

/** Opens the database (see `openDatabase`) and a store over it; closing the store closes the database. */
export async function openStore(opts: OpenOptions = {}): Promise<PgEventStore> {
  return new PgEventStore(await openDatabase(opts), true);
}
