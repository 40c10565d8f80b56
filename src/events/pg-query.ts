/**
 * The trace reads a timeline of a real-size log needs (issue 14), in SQL:
 * windows of the events an `EventQuery` keeps (by position among them, or
 * the next one after a seq), how many there are, an overview of the whole
 * trace in one scan (tasks, CPUs, event types, block groups, time span),
 * events per lane in slices of time, and the event at a timestamp. Every
 * query is parameterised and runs over the trace's storage parts (a fork
 * reads its base's prefix); the store (pg-store.ts) owns the connection.
 *
 * Time: recorded order is ftrace's output order, which is time order (the
 * kernel merges its per-CPU buffers by timestamp), so the events of a span
 * of time are a span of seqs, found by binary search on the primary key —
 * no index on `ts` slows every import down.
 */
import type pg from "pg";
import type { EventQuery, LaneKey, TraceOverview, WindowOptions } from "./query.ts";
import type { StoredRow } from "./codec.ts";

/** A stretch of a trace's events stored under one trace id (see PgEventStore.parts). */
export interface StoragePart {
  readonly traceId: string;
  readonly from: number;
  readonly to: number;
}

/** Placeholders in order: `p.add(v)` gives `$n` for a value. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

const EVENT_COLUMNS = "seq, type, pid, comm, cpu, ts, line, data, metadata";
const INT4_MAX = 2 ** 31 - 1;

function partsSql(parts: readonly StoragePart[], p: Params): string {
  if (parts.length === 0) return "FALSE";
  return `(${parts.map((x) => `(trace_id = ${p.add(x.traceId)}::uuid AND seq BETWEEN ${p.add(x.from)} AND ${p.add(Math.min(x.to, INT4_MAX))})`).join(" OR ")})`;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The WHERE conditions of a query (TRUE when it keeps everything). */
export function filterSql(q: EventQuery | null | undefined, p: Params): string {
  if (!q) return "TRUE";
  const and: string[] = [];
  if (q.types?.length) and.push(`type = ANY(${p.add(q.types)}::text[])`);
  if (q.cpus?.length) and.push(`cpu = ANY(${p.add(q.cpus)}::int[])`);
  if (q.pids?.length) and.push(`pid = ANY(${p.add(q.pids)}::int[])`);
  if (q.fromSeq != null) and.push(`seq >= ${p.add(q.fromSeq)}`);
  if (q.toSeq != null) and.push(`seq <= ${p.add(q.toSeq)}`);
  if (q.blockGroups?.length) and.push(`data->>'bytenr' = ANY(${p.add(q.blockGroups.map(String))}::text[])`);
  for (const t of q.terms ?? []) {
    switch (t.kind) {
      case "address":
        and.push(`data->>'bytenr' = ${p.add(t.value.toString())}`);
        break;
      case "number": {
        const asPid = t.value <= BigInt(INT4_MAX) ? `pid = ${p.add(Number(t.value))} OR ` : "";
        and.push(`(${asPid}data->>'bytenr' = ${p.add(t.value.toString())})`);
        break;
      }
      case "word": {
        const types = t.types.length ? `type = ANY(${p.add(t.types)}::text[]) OR ` : "";
        and.push(`(${types}comm ILIKE ${p.add(`%${likeEscape(t.text)}%`)})`);
        break;
      }
    }
  }
  return and.length ? and.join(" AND ") : "TRUE";
}

/** Matching events in seq order (descending with `backward`). */
export async function findRows(pool: pg.Pool, parts: readonly StoragePart[], q: EventQuery | null, o: WindowOptions): Promise<StoredRow[]> {
  const p = new Params();
  const where = [partsSql(parts, p), filterSql(q, p)];
  if (o.afterSeq !== undefined) where.push(`seq ${o.backward ? "<" : ">"} ${p.add(o.afterSeq)}`);
  const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")}
    ORDER BY seq ${o.backward ? "DESC" : "ASC"} OFFSET ${p.add(o.offset ?? 0)} LIMIT ${p.add(o.limit)}`;
  const { rows } = await pool.query<StoredRow>(sql, p.values);
  return rows;
}

/** How many events match; with `upTo`, for each seq given how many matching ones have a seq at or before it. */
export async function countRows(pool: pg.Pool, parts: readonly StoragePart[], q: EventQuery | null): Promise<number> {
  const p = new Params();
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE ${partsSql(parts, p)} AND ${filterSql(q, p)}`, p.values);
  return Number(rows[0]?.n ?? 0);
}

export async function ranks(pool: pg.Pool, parts: readonly StoragePart[], q: EventQuery | null, seqs: readonly number[]): Promise<number[]> {
  if (seqs.length === 0) return [];
  // One scan: each kept event falls in the bucket of how many asked seqs are below it (width_bucket
  // over the thresholds s+1); the count at or before an asked seq is the sum of the buckets under it.
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const p = new Params();
  const { rows } = await pool.query<{ b: number; n: string }>(
    `SELECT width_bucket(seq, ${p.add(sorted.map((s) => s + 1))}::int[]) AS b, count(*) AS n
       FROM events WHERE ${partsSql(parts, p)} AND ${filterSql(q, p)} GROUP BY 1`,
    p.values,
  );
  const inBucket = new Array<number>(sorted.length + 1).fill(0);
  for (const r of rows) inBucket[r.b] = Number(r.n);
  const upTo = new Map<number, number>();
  let sum = 0;
  sorted.forEach((s, j) => {
    sum += inBucket[j]!;
    upTo.set(s, sum);
  });
  return seqs.map((s) => upTo.get(s) ?? 0);
}

/** Tasks, CPUs, event types, block groups and the time span of a trace, in one scan. */
export async function overview(pool: pg.Pool, parts: readonly StoragePart[]): Promise<TraceOverview> {
  const p = new Params();
  const { rows } = await pool.query<{
    pid: number | null;
    comm: string | null;
    cpu: number | null;
    type: string | null;
    bg: string | null;
    gp: number;
    gt: number;
    gb: number;
    n: number;
    first: number;
    last: number;
    tmin: string | null;
    tmax: string | null;
  }>(
    `SELECT pid, comm, cpu, type, bg, GROUPING(pid, comm, cpu) AS gp, GROUPING(type) AS gt, GROUPING(bg) AS gb,
            count(*)::int AS n, min(seq) AS first, max(seq) AS last, min(ts)::text AS tmin, max(ts)::text AS tmax
       FROM (SELECT pid, comm, cpu, type, data->>'bytenr' AS bg, seq, ts FROM events WHERE ${partsSql(parts, p)}) e
      GROUP BY GROUPING SETS ((pid, comm, cpu), (type), (bg), ())`,
    p.values,
  );
  const tasks = new Map<number, { pid: number; comm: string | null; commEvents: number; cpus: Set<number>; events: number; firstSeq: number; lastSeq: number }>();
  const cpus = new Map<number | null, number>();
  const types: { name: string; count: number }[] = [];
  const blockGroups: { bytenr: bigint; events: number }[] = [];
  let total = 0;
  let firstTs: bigint | null = null;
  let lastTs: bigint | null = null;
  for (const r of rows) {
    if (r.gp === 0 && r.pid !== null) {
      const t = tasks.get(r.pid) ?? { pid: r.pid, comm: null, commEvents: 0, cpus: new Set<number>(), events: 0, firstSeq: r.first, lastSeq: r.last };
      // The comm it printed most (a task may exec, or print `<...>`).
      if (r.comm !== null && r.n > t.commEvents) {
        t.comm = r.comm;
        t.commEvents = r.n;
      }
      if (r.cpu !== null) t.cpus.add(r.cpu);
      t.events += r.n;
      t.firstSeq = Math.min(t.firstSeq, r.first);
      t.lastSeq = Math.max(t.lastSeq, r.last);
      tasks.set(r.pid, t);
      cpus.set(r.cpu, (cpus.get(r.cpu) ?? 0) + r.n);
    } else if (r.gt === 0 && r.type !== null) types.push({ name: r.type, count: r.n });
    else if (r.gb === 0) {
      if (r.bg !== null) blockGroups.push({ bytenr: BigInt(r.bg), events: r.n });
    } else if (r.gp !== 0 && r.gt !== 0 && r.gb !== 0) {
      total = r.n;
      firstTs = r.tmin === null ? null : BigInt(r.tmin);
      lastTs = r.tmax === null ? null : BigInt(r.tmax);
    }
  }
  return {
    events: total,
    firstTs,
    lastTs,
    tasks: [...tasks.values()]
      .sort((a, b) => a.firstSeq - b.firstSeq)
      .map((t) => ({ pid: t.pid, comm: t.comm, cpus: [...t.cpus].sort((a, b) => a - b), events: t.events, firstSeq: t.firstSeq, lastSeq: t.lastSeq })),
    cpus: [...cpus.entries()].sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity)).map(([cpu, events]) => ({ cpu, events })),
    types: types.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    blockGroups: blockGroups.sort((a, b) => (a.bytenr < b.bytenr ? -1 : a.bytenr > b.bytenr ? 1 : 0)),
  };
}

/**
 * The first event (seq) with a timestamp at or after `ts`, by binary search
 * over recorded order (time order, see the file comment); null when none.
 * `first`..`last` bound the search (the trace's seqs).
 */
export async function seqAtTime(pool: pg.Pool, parts: readonly StoragePart[], ts: bigint, first: number, last: number): Promise<number | null> {
  // The timestamp of the first event at or after `seq` that has one.
  const probe = async (seq: number): Promise<{ seq: number; ts: bigint } | null> => {
    const p = new Params();
    const { rows } = await pool.query<{ seq: number; ts: string }>(
      `SELECT seq, ts::text AS ts FROM events WHERE ${partsSql(parts, p)} AND seq >= ${p.add(seq)} AND ts IS NOT NULL ORDER BY seq LIMIT 1`,
      p.values,
    );
    return rows[0] ? { seq: rows[0].seq, ts: BigInt(rows[0].ts) } : null;
  };
  let lo = first;
  let hi = last + 1;
  let best: number | null = null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const at = await probe(mid);
    if (at !== null && at.ts < ts) {
      lo = at.seq + 1;
      continue;
    }
    // None with a timestamp from mid on, or one at or after ts: the answer is that one or before mid.
    if (at !== null) best = best === null ? at.seq : Math.min(best, at.seq);
    hi = mid;
  }
  return best;
}

/**
 * Events per lane in `buckets` equal slices of [fromTs, toTs), within seqs
 * `fromSeq`..`toSeq` (the span's seqs, from `seqAtTime`): the time axis zoomed
 * out, where single events would not be told apart.
 */
export async function density(
  pool: pg.Pool,
  parts: readonly StoragePart[],
  q: EventQuery | null,
  span: { fromTs: bigint; toTs: bigint; fromSeq: number; toSeq: number },
  buckets: number,
  lane: LaneKey,
): Promise<{ lane: string; counts: number[] }[]> {
  const p = new Params();
  const key = lane === "task" ? "pid::text" : "coalesce(cpu::text, '?')";
  const from = p.add(span.fromTs.toString());
  const to = p.add(span.toTs.toString());
  const { rows } = await pool.query<{ lane: string; b: number; n: number }>(
    `SELECT ${key} AS lane, width_bucket(ts::numeric, ${from}::numeric, ${to}::numeric, ${p.add(buckets)}) AS b, count(*)::int AS n
       FROM events
      WHERE ${partsSql(parts, p)} AND seq BETWEEN ${p.add(span.fromSeq)} AND ${p.add(span.toSeq)}
        AND ts >= ${from}::bigint AND ts < ${to}::bigint AND ${filterSql(q, p)}
      GROUP BY 1, 2`,
    p.values,
  );
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const counts = out.get(r.lane) ?? new Array<number>(buckets).fill(0);
    if (r.b >= 1 && r.b <= buckets) counts[r.b - 1]! += r.n;
    out.set(r.lane, counts);
  }
  return [...out.entries()].map(([l, counts]) => ({ lane: l, counts }));
}
