/**
 * Field resolvers of the object types: conversions from the domain shapes
 * (TraceInfo, StoredEvent, FsStateView, CheckReport, ...) to the SDL's fields.
 * Fields with the same name and shape need no resolver.
 */
import { DomainError, UnreachableCaseError } from "../errors.ts";
import { isIdleTask, taskName } from "../events/task.ts";
import { RACE_IDS } from "../events/races.ts";
import type { ActorView, BlockGroupView, CheckReport, ReplayWarning, Verdict } from "../replay/types.ts";
import { hex, timestamp } from "../events/units.ts";
import { eventBytenr, eventData, eventDoc, eventQuery, eventsPage, timestampArg } from "./events.ts";
import { FieldError } from "./errors.ts";
import type { ActorStatus, BlockGroupStatus, Resolvers, Verdict as GqlVerdict } from "./generated.ts";
import type { FreeSpaceModel } from "./models.ts";
import { traceOfCheck } from "./checks.ts";
import { rulesArg } from "./shared.ts";

export function verdict(v: Verdict): GqlVerdict {
  switch (v) {
    case "bug":
      return "BUG";
    case "clean":
      return "CLEAN";
    case "undecidable":
      return "UNDECIDABLE";
    default:
      throw new UnreachableCaseError(v);
  }
}

function blockGroupStatus(s: BlockGroupView["status"]): BlockGroupStatus {
  switch (s) {
    case "active":
      return "ACTIVE";
    case "readOnly":
      return "READ_ONLY";
    case "removed":
      return "REMOVED";
    default:
      throw new UnreachableCaseError(s);
  }
}

function actorStatus(s: ActorView["status"]): ActorStatus {
  switch (s) {
    case "running":
      return "RUNNING";
    case "blocked":
      return "BLOCKED";
    default:
      throw new UnreachableCaseError(s);
  }
}

/** `code (line N, seq S): message` — the one-line form of CheckResult.warnings. */
export function warningLine(w: ReplayWarning): string {
  const where = [w.line != null ? `line ${w.line}` : null, w.seq != null ? `seq ${w.seq}` : null].filter(Boolean).join(", ");
  return `${w.code}${where ? ` (${where})` : ""}: ${w.message}`;
}

function nameCounts(counts: Readonly<Record<string, number>>): { name: string; count: number }[] {
  return Object.entries(counts).map(([name, count]) => ({ name, count }));
}

function freeSpaceOf(bg: BlockGroupView): FreeSpaceModel[] {
  return bg.freeSpace.map((f) => ({ blockGroup: bg.start, ...f }));
}

/** Only what forkTrace writes is read back: `{ forkedFrom: { trace, atSeq } }`. */
function forkOrigin(meta: Record<string, unknown> | null): { traceId: string; atSeq: number } | null {
  const f = meta?.forkedFrom as { trace?: unknown; atSeq?: unknown } | undefined;
  return f && typeof f.trace === "string" && typeof f.atSeq === "number" ? { traceId: f.trace, atSeq: f.atSeq } : null;
}

export const typeResolvers: Resolvers = {
  Trace: {
    format: (t) => t.source.format,
    sourceFile: (t) => t.source.file,
    sourceHash: (t) => t.source.hash,
    createdAt: (t) => t.createdAt.toISOString(),
    forkedFrom: (t) => forkOrigin(t.meta),
    events: (t, args, ctx) => eventsPage(ctx, t, args),
    overview: async (t, _args, ctx) => ({ ...(await ctx.store.overview(t.id)), traceId: t.id }),
    density: (t, args, ctx) => {
      const from = timestampArg("fromTs", args.fromTs);
      const to = timestampArg("toTs", args.toTs);
      if (to <= from) throw new FieldError("toTs", "must be after fromTs");
      if (!(args.buckets >= 1 && args.buckets <= 4096)) throw new FieldError("buckets", `${args.buckets} is outside 1..4096`);
      return ctx.store.density(t.id, eventQuery(args.filter), from, to, args.buckets, args.lanes === "CPU" ? "cpu" : "task");
    },
    seqAtTime: (t, args, ctx) => ctx.store.seqAtTime(t.id, timestampArg("ts", args.ts)),
    findEvent: async (t, args, ctx) => {
      const [e] = await ctx.store.findEvents(t.id, eventQuery(args.filter), { afterSeq: args.from, backward: args.backward ?? false, limit: 1 });
      return e?.seq ?? null;
    },
    matchRanks: (t, args, ctx) => {
      if (args.seqs.length > 10_000) throw new FieldError("seqs", `${args.seqs.length} seqs: at most 10000`);
      return ctx.store.matchRanks(t.id, eventQuery(args.filter), args.seqs);
    },
    event: (t, { seq }, ctx) => (seq >= 1 && seq <= t.version ? ctx.loaders.event.load({ traceId: t.id, seq }) : null),
    check: async (t, { rules }, ctx) => ({ ...(await ctx.loaders.check.load({ traceId: t.id, rules: rulesArg(rules) })), traceId: t.id }),
  },
  ForkOrigin: {
    trace: (f, _args, ctx) => ctx.loaders.trace.load(f.traceId),
  },
  EventConnection: {
    totalCount: (p) => p.count(),
  },
  TraceOverview: {
    firstTs: (o) => (o.firstTs === null ? null : o.firstTs.toString()),
    lastTs: (o) => (o.lastTs === null ? null : o.lastTs.toString()),
  },
  TaskSummary: {
    task: (t) => taskName(t.pid, t.comm),
    idle: (t) => isIdleTask(t.comm),
  },
  BlockGroupSummary: {
    bytenr: (b) => b.bytenr.toString(),
    hex: (b) => hex(b.bytenr),
  },
  Event: {
    data: eventData,
    bytenr: eventBytenr,
    bytenrHex: (e) => {
      const b = eventBytenr(e);
      return b === null ? null : hex(b);
    },
    source: (e, _args, ctx) => ctx.loaders.source.load({ traceId: e.traceId, seq: e.seq, line: e.origin.line }),
    doc: (e) => eventDoc(e).doc,
    observation: (e) => eventDoc(e).observation,
  },
  EventOrigin: {
    task: (o) => taskName(o.pid, o.comm),
    ts: (o) => (o.ts === null ? null : o.ts.toString()),
    time: (o) => (o.ts === null ? null : timestamp(o.ts)),
  },
  FsState: {
    freeSpace: (s) => s.blockGroups.flatMap(freeSpaceOf),
    findings: (s) => s.findings.map((f) => ({ ...f, traceId: s.traceId })),
  },
  BlockGroup: {
    startHex: (bg) => hex(bg.start),
    ro: (bg) => bg.ro > 0,
    roCount: (bg) => bg.ro,
    status: (bg) => blockGroupStatus(bg.status),
    freeSpace: freeSpaceOf,
  },
  ExtentMap: {
    startHex: (m) => hex(m.start),
    stripes: (m) => m.stripes,
  },
  Actor: {
    task: (a) => taskName(a.pid, a.comm),
    status: (a) => actorStatus(a.status),
  },
  CheckResult: {
    trace: traceOfCheck,
    verdict: (r) => verdict(r.verdict),
    findings: (r) => r.findings.map((f) => ({ ...f, traceId: r.traceId })),
    warnings: (r) => r.warnings.map(warningLine),
    warningDetails: (r: CheckReport) => r.warnings,
    reordered: (r) => r.reordered.map((x) => ({ ...x, traceId: r.traceId })),
    changes: (r, _args, ctx) => ctx.loaders.changes.load({ traceId: r.traceId, rules: r.rules }),
    coverage: (r) =>
      RACE_IDS.map((race) => {
        const c = r.coverage[race];
        return {
          race,
          chains: Object.entries(c.chains).map(([kind, count]) => ({ kind, count: count ?? 0 })),
          unbound: c.unbound,
          closest: c.closest && { ...c.closest, sides: [...c.closest.sides] },
          reachable: c.reachable,
        };
      }),
  },
  Finding: {
    event: (f, _args, ctx) => ctx.loaders.event.load({ traceId: f.traceId, seq: f.seq }),
  },
  Reordering: {
    event: (r, _args, ctx) => ctx.loaders.event.load({ traceId: r.traceId, seq: r.seq }),
  },
  ImportReport: {
    unmapped: (r) => nameCounts(r.unmapped),
    warnings: (r) => nameCounts(r.warningCounts),
    // Most lines first, whatever order the stored report kept its keys in.
    linesByName: (r) =>
      Object.entries(r.lineBuckets?.byName ?? {})
        .map(([name, c]) => ({ name, events: c.events, context: c.context, noise: c.noise }))
        .sort((a, b) => b.events + b.context + b.noise - (a.events + a.context + a.noise) || (a.name < b.name ? -1 : 1)),
  },
  AppendResult: {
    trace: async (a, _args, ctx) => {
      const trace = await ctx.loaders.trace.load(a.traceId);
      if (!trace) throw new DomainError("NOT_FOUND", `trace ${a.traceId} was deleted after the append`);
      return trace;
    },
  },
  ReplayStep: {
    findings: (s) => s.findings.map((f) => ({ ...f, traceId: s.traceId })),
  },
};
