/**
 * The one mapping between a domain event (`RaceEvent`, bigints) and its row
 * in the `events` table: origin fields in typed columns (pid, comm, cpu, ts,
 * line), `lineSeq` and `chain` in `metadata`, the payload in `data` as JSONB
 * in wire form (bigints as decimal strings). Writing validates with the
 * catalog (`decodeEvent`); reading decodes with it again, which restores the
 * bigints, so what is read back equals what was written.
 */
import type { z } from "zod";
import { bytes, CHAIN_KINDS, decodeEvent, EVENT_CATALOG, EventValidationError, int, isEventType, type EventTypeEntry } from "./catalog.ts";
import type { ChainKind, ChainRef, EventOrigin, EventType, RaceEvent, StoredEvent } from "./types.ts";

const INT4_MAX = 2 ** 31 - 1;
const INT8_MAX = (1n << 63n) - 1n;

/** An event ready for the `events` table (without trace_id and seq). */
export interface EventRow {
  readonly type: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly cpu: number | null;
  readonly ts: bigint | null;
  readonly line: number | null;
  /** JSON text of the payload, bigints as decimal strings. */
  readonly data: string;
  /** JSON text of {lineSeq, chain}. */
  readonly metadata: string;
}

/** A row as read back (pg gives int8 as string, Prisma as bigint; JSONB parsed). */
export interface StoredRow {
  readonly seq: number;
  readonly type: string;
  readonly pid: number | null;
  readonly comm: string | null;
  readonly cpu: number | null;
  readonly ts: bigint | string | null;
  readonly line: number | null;
  readonly data: unknown;
  readonly metadata: unknown;
}

/** bigints → decimal strings, deeply (the wire form the catalog validates). */
function toWire(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(toWire);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = toWire((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

const keyText = new Map<string, string>();
/** `"key":` — payload keys are few and repeat on every event. */
function jsonKey(k: string): string {
  let t = keyText.get(k);
  if (t === undefined) {
    t = `${JSON.stringify(k)}:`;
    if (keyText.size < 1000) keyText.set(k, t);
  }
  return t;
}

/** JSON text with bigints as decimal strings; faster than a JSON.stringify replacer on the import path. */
export function jsonText(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return `"${v}"`;
    case "object": {
      if (v === null) return "null";
      if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : jsonText(x))).join(",")}]`;
      let s = "";
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        s += `${s ? "," : ""}${jsonKey(k)}${jsonText(x)}`;
      }
      return `{${s}}`;
    }
    default:
      return JSON.stringify(v) ?? "null";
  }
}

function checkRange(field: string, v: number | null, max: number): void {
  if (v !== null && v > max) throw new EventValidationError(field, `${v} does not fit a 32-bit column`);
}

const EVENT_KEYS = new Set(["type", "data", "origin", "chain"]);
const ORIGIN_KEYS = ["line", "lineSeq", "pid", "comm", "cpu", "ts"] as const;
const U64_MAX = (1n << 64n) - 1n;
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const isCount = (v: unknown, min = 0): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= min;

/**
 * The origin as is when it is a complete domain origin that the catalog's
 * schema would accept unchanged; null otherwise (then the catalog decides,
 * and words the error). Only a shortcut for the import path: never wider
 * than the schema.
 */
function plainOrigin(o: unknown): EventOrigin | null {
  if (typeof o !== "object" || o === null) return null;
  const x = o as Record<string, unknown>;
  if (Object.keys(x).length !== ORIGIN_KEYS.length) return null;
  for (const k of ORIGIN_KEYS) if (!hasOwn(x, k)) return null;
  const { line, lineSeq, pid, comm, cpu, ts } = x;
  if (!(line === null || isCount(line, 1)) || !isCount(lineSeq) || !isCount(pid, -INT4_MAX - 1)) return null;
  if (!(comm === null || typeof comm === "string") || !(cpu === null || isCount(cpu))) return null;
  if (!(ts === null || (typeof ts === "bigint" && ts >= 0n && ts <= U64_MAX))) return null;
  return x as unknown as EventOrigin;
}

function plainChain(c: unknown): ChainRef | null | undefined {
  if (c === undefined || c === null) return null;
  if (typeof c !== "object") return undefined;
  const x = c as Record<string, unknown>;
  if (Object.keys(x).length !== 2 || !isCount(x.id) || typeof x.kind !== "string" || !CHAIN_KINDS.includes(x.kind as ChainKind)) {
    return undefined;
  }
  return { id: x.id, kind: x.kind as ChainKind };
}

/**
 * A payload the catalog's schema would return unchanged, checked field by
 * field without running the schema (the import path's events are all in this
 * form): its JSON text, or null when the schema must decide. Derived from the
 * schema itself, never wider: a `bytes` field (nullable or not) takes a bigint
 * in u64 range; any other field takes a primitive its own schema returns as
 * is. A missing key (a default would apply), an extra key, an object value
 * (stripes) or anything else goes the schema's way.
 */
type PlainPayload = (data: Record<string, unknown>) => string | null;

function plainPayloadOf(schema: z.ZodType): PlainPayload | null {
  if (schema.def.type !== "object") return null;
  const def = schema.def as unknown as { shape: Record<string, z.ZodType>; catchall?: z.ZodType };
  if (def.catchall?.def.type !== "never") return null;
  const fields = Object.entries(def.shape).map(([key, field]) => ({ key, text: jsonKey(key), ok: fieldCheck(field) }));
  return (data) => {
    // Own keys exactly the schema's (as many, each one of them): a strict object.
    if (Object.keys(data).length !== fields.length) return null;
    let s = "";
    for (const f of fields) {
      if (!hasOwn(data, f.key)) return null;
      const v = data[f.key];
      if (v === undefined || !f.ok(v)) return null;
      s += `${s ? "," : ""}${f.text}${typeof v === "bigint" ? `"${v}"` : v === null ? "null" : JSON.stringify(v)}`;
    }
    return `{${s}}`;
  };
}

const isU64 = (v: unknown): boolean => typeof v === "bigint" && v >= 0n && v <= U64_MAX;

function fieldCheck(field: z.ZodType): (v: unknown) => boolean {
  let inner = field;
  let nullable = false;
  // A default applies to a missing key only, which never takes the shortcut.
  for (;;) {
    const d = inner.def as unknown as { type: string; innerType?: z.ZodType };
    if ((d.type === "default" || d.type === "nullable") && d.innerType) {
      if (d.type === "nullable") nullable = true;
      inner = d.innerType;
    } else break;
  }
  if (inner === bytes) return nullable ? (v) => v === null || isU64(v) : isU64;
  // The catalog's `int` (flags, gen, devid…): a non-negative safe integer, checked without the schema.
  if (inner === int) return nullable ? (v) => v === null || isCount(v) : (v) => isCount(v);
  return (v) => {
    if (typeof v === "object" && v !== null) return false;
    const r = field.safeParse(v);
    return r.success && r.data === v;
  };
}

const PLAIN_PAYLOADS = new Map<string, PlainPayload | null>(
  Object.entries(EVENT_CATALOG).map(([type, entry]) => [type, plainPayloadOf((entry as EventTypeEntry<EventType>).schema as z.ZodType)]),
);

/**
 * Validates with the catalog and gives the payload's JSON text. Events whose
 * origin, chain and payload are plainly valid take the shortcuts above (no
 * copy, no schema run); anything else goes through the payload's schema and,
 * if still in doubt, `decodeEvent`, which throws the error naming the field.
 */
function validate(input: object): { event: RaceEvent; data: string } {
  const e = input as Record<string, unknown>;
  const type = e.type;
  if (typeof type === "string" && isEventType(type) && Object.keys(e).every((k) => EVENT_KEYS.has(k))) {
    const origin = plainOrigin(e.origin);
    const chain = plainChain(e.chain);
    if (origin && chain !== undefined) {
      const raw = e.data ?? {};
      const isObject = typeof raw === "object" && raw !== null && !Array.isArray(raw);
      const plain = isObject ? PLAIN_PAYLOADS.get(type)?.(raw as Record<string, unknown>) : null;
      if (plain) return { event: { type, data: raw, origin, chain } as RaceEvent, data: plain };
      const entry: EventTypeEntry<EventType> = EVENT_CATALOG[type];
      const data = entry.schema.safeParse(toWire(raw));
      if (data.success) return { event: { type, data: data.data, origin, chain } as RaceEvent, data: jsonText(data.data) };
    }
  }
  const event = decodeEvent(toWire(input));
  return { event, data: jsonText(event.data) };
}

/**
 * Validates one event with the catalog and gives its row. Accepts the domain
 * form (bigints) and the wire form (decimal strings). Throws
 * EventValidationError naming the field.
 */
export function eventToRow(input: unknown): EventRow {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new EventValidationError("event", "expected an object");
  }
  const { event, data } = validate(input);
  const o = event.origin;
  checkRange("origin.pid", o.pid, INT4_MAX);
  checkRange("origin.cpu", o.cpu, INT4_MAX);
  checkRange("origin.line", o.line, INT4_MAX);
  if (o.ts !== null && o.ts > INT8_MAX) throw new EventValidationError("origin.ts", `${o.ts} does not fit a 64-bit signed column`);
  if (o.comm !== null && o.comm.includes("\u0000")) throw new EventValidationError("origin.comm", "contains a NUL character");
  // {lineSeq, chain?}: both validated (integers, a chain kind name), so written directly.
  const metadata = event.chain
    ? `{"lineSeq":${o.lineSeq},"chain":{"id":${event.chain.id},"kind":"${event.chain.kind}"}}`
    : `{"lineSeq":${o.lineSeq}}`;
  return {
    type: event.type,
    pid: o.pid,
    comm: o.comm,
    cpu: o.cpu,
    ts: o.ts,
    line: o.line,
    data,
    metadata,
  };
}

/**
 * Rebuilds the stored event of a row. The columns are typed and were checked
 * on the way in; the payload goes through the catalog's schema again, which
 * restores its bigints. Throws EventValidationError if the row does not decode.
 */
export function rowToEvent(row: StoredRow): StoredEvent {
  const meta = (row.metadata ?? {}) as { lineSeq?: number; chain?: ChainRef | null };
  if (!isEventType(row.type)) throw new EventValidationError("type", `unknown event type "${row.type}"`);
  const entry: EventTypeEntry<EventType> = EVENT_CATALOG[row.type];
  const data = entry.schema.safeParse(row.data ?? {});
  if (!data.success || row.pid === null) {
    // Let the catalog word what is wrong.
    decodeEvent({ type: row.type, data: row.data, origin: { pid: row.pid } });
    throw new EventValidationError("origin.pid", "missing");
  }
  const origin: EventOrigin = {
    line: row.line,
    lineSeq: meta.lineSeq ?? 0,
    pid: row.pid,
    comm: row.comm,
    cpu: row.cpu,
    ts: row.ts === null ? null : BigInt(row.ts),
  };
  const chain = meta.chain ? { id: meta.chain.id, kind: meta.chain.kind } : null;
  return { type: row.type, data: data.data, origin, chain, seq: row.seq } as StoredEvent;
}

// --- COPY text format (PostgreSQL "COPY ... FROM STDIN", default text format)

const NULL = "\\N";

/** Escapes a value for COPY's text format: backslash, newline, carriage return and tab. */
export function copyText(s: string): string {
  return /[\\\n\r\t]/.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => (c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t")) : s;
}

/** The columns of an event after its trace's, in the order `copyLine` writes them. */
export const EVENT_COLUMNS = "seq, type, pid, comm, cpu, ts, line, data, metadata";

/** Column list of COPY lines made by `copyLine`, in order. */
export const COPY_COLUMNS = `trace_id, ${EVENT_COLUMNS}`;

/** JSON text never holds a raw newline, carriage return or tab: only its backslashes need doubling. */
function copyJson(s: string): string {
  return s.includes("\\") ? s.replace(/\\/g, "\\\\") : s;
}

/** One line of COPY text for `events (COPY_COLUMNS)`. `type` is a catalog name (no special characters). */
export function copyLine(traceId: string, seq: number, r: EventRow): string {
  return (
    `${traceId}\t${seq}\t${r.type}\t${r.pid}\t${r.comm === null ? NULL : copyText(r.comm)}\t` +
    `${r.cpu ?? NULL}\t${r.ts ?? NULL}\t${r.line ?? NULL}\t${copyJson(r.data)}\t${copyJson(r.metadata)}\n`
  );
}
