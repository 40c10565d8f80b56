/**
 * Per-request DataLoaders: a list of traces whose fields each need another
 * trace (fork origins, import reports), or a list of findings each resolving
 * its event, costs one store call per batch instead of one per item (N+1).
 */
import DataLoader from "dataloader";
import { DomainError } from "../errors.ts";
import type { SourceLine } from "../events/source-lines.ts";
import type { EventStore, TraceInfo } from "../events/store.ts";
import type { RuleChange } from "../replay/changes.ts";
import type { CoveredCheckReport, ReplayService } from "../replay/types.ts";
import type { TraceAccess } from "./context.ts";
import type { EventModel } from "./models.ts";

export interface EventKey {
  readonly traceId: string;
  readonly seq: number;
}

export interface CheckKey {
  readonly traceId: string;
  readonly rules: readonly string[];
}

export interface Loaders {
  /** By trace id or name (as `findTrace`); a trace the request may not read is a FORBIDDEN error. */
  readonly trace: DataLoader<string, TraceInfo | null>;
  readonly event: DataLoader<EventKey, EventModel | null, string>;
  readonly check: DataLoader<CheckKey, CoveredCheckReport, string>;
  /** What the rules changed (a replay of its own): asked only with CheckResult.changes. */
  readonly changes: DataLoader<CheckKey, readonly RuleChange[], string>;
  /** An event's source line: one store call per trace for a page of events. */
  readonly source: DataLoader<EventKey & { readonly line: number | null }, SourceLine | null, string>;
}

/** Reading a span this much longer than the number of wanted events is still cheaper than one read each. */
const SPAN_SLACK = 64;

export function createLoaders(store: EventStore, replay: Pick<ReplayService, "check" | "changes">, access: TraceAccess): Loaders {
  const trace = new DataLoader<string, TraceInfo | null>(async (keys) => {
    let found: (TraceInfo | null)[];
    if (keys.length === 1) found = [await store.findTrace(keys[0]!)];
    else {
      // Several at once: one listing resolves every id; names (rare) go one by one.
      const byId = new Map((await store.listTraces()).map((t) => [t.id, t]));
      found = await Promise.all(keys.map(async (k) => byId.get(k) ?? (await store.findTrace(k))));
    }
    // Every path to a trace (by argument, fork origin, append result) goes through here: one read check.
    const refused = await access.refusals(found.filter((t): t is TraceInfo => t !== null));
    return found.map((t) => {
      const why = t ? refused.get(t.id) : undefined;
      return why === undefined ? t : new DomainError("FORBIDDEN", why);
    });
  });

  const event = new DataLoader<EventKey, EventModel | null, string>(
    async (keys) => {
      const found = new Map<string, EventModel>();
      const byTrace = new Map<string, number[]>();
      for (const k of keys) byTrace.set(k.traceId, [...(byTrace.get(k.traceId) ?? []), k.seq]);
      await Promise.all(
        [...byTrace].map(async ([traceId, seqs]) => {
          const from = Math.min(...seqs);
          const to = Math.max(...seqs);
          const events =
            to - from + 1 <= seqs.length * 2 + SPAN_SLACK
              ? await store.read(traceId, { from, to })
              : (await Promise.all(seqs.map((s) => store.read(traceId, { from: s, to: s })))).flat();
          for (const e of events) found.set(`${traceId}:${e.seq}`, { ...e, traceId });
        }),
      );
      return keys.map((k) => found.get(`${k.traceId}:${k.seq}`) ?? null);
    },
    { cacheKeyFn: (k) => `${k.traceId}:${k.seq}` },
  );

  const check = new DataLoader<CheckKey, CoveredCheckReport, string>(
    (keys) => Promise.all(keys.map((k) => replay.check(k.traceId, k.rules).catch((e: unknown) => toError(e)))),
    { cacheKeyFn: (k) => `${k.traceId}|${k.rules.join(",")}` },
  );

  const changes = new DataLoader<CheckKey, readonly RuleChange[], string>(
    (keys) => Promise.all(keys.map((k) => replay.changes(k.traceId, k.rules).catch((e: unknown) => toError(e)))),
    { cacheKeyFn: (k) => `${k.traceId}|${k.rules.join(",")}` },
  );

  const source = new DataLoader<EventKey & { readonly line: number | null }, SourceLine | null, string>(
    async (keys) => {
      const byTrace = new Map<string, { seq: number; line: number | null }[]>();
      for (const k of keys) byTrace.set(k.traceId, [...(byTrace.get(k.traceId) ?? []), { seq: k.seq, line: k.line }]);
      const found = new Map<string, SourceLine>();
      await Promise.all(
        [...byTrace].map(async ([traceId, events]) => {
          for (const [seq, l] of await store.sourceLines(traceId, events)) found.set(`${traceId}:${seq}`, l);
        }),
      );
      return keys.map((k) => found.get(`${k.traceId}:${k.seq}`) ?? null);
    },
    { cacheKeyFn: (k) => `${k.traceId}:${k.seq}` },
  );

  return { trace, event, check, changes, source };
}

/** DataLoader wants errors returned per key, not thrown for the whole batch. */
function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
