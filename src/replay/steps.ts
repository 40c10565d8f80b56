/**
 * A replay stepped event by event, from the replay service's time travel:
 * one state per recorded position, each compared with the one before (one
 * snapshot fold per step). What the `replay` subscription streams.
 */
import { diffViews } from "../projections/view.ts";
import type { Finding, FsStateView, ReplayService, StateChange } from "./types.ts";

/** One applied event of a live replay, in application order. */
export interface AppliedStep {
  readonly seq: number;
  readonly changes: readonly StateChange[];
  readonly findings: readonly Finding[];
  /** The event waits (its actor is blocked under these rules). */
  readonly deferred: boolean;
  /** Earlier deferred events that were applied (or dropped) in this step. */
  readonly released: readonly number[];
}

/** Seqs of the events deferred at a point (the service's view lists them by pid, when the rules defer). */
function deferredSeqs(view: FsStateView): Set<number> {
  const d = (view as FsStateView & { deferred?: readonly { seqs: readonly number[] }[] }).deferred ?? [];
  return new Set(d.flatMap((x) => x.seqs));
}

/** Steps `fromSeq..to` of a trace under `rules`. */
export async function stateSteps(replay: Pick<ReplayService, "stateAt">, traceId: string, rules: readonly string[], fromSeq: number, to: number): Promise<AppliedStep[]> {
  const out: AppliedStep[] = [];
  let prev = await replay.stateAt(traceId, fromSeq - 1, rules);
  for (let seq = fromSeq; seq <= to; seq++) {
    const cur = await replay.stateAt(traceId, seq, rules);
    const before = deferredSeqs(prev);
    const after = deferredSeqs(cur);
    out.push({
      seq,
      changes: diffViews(prev, cur),
      findings: cur.findings.slice(prev.findings.length),
      deferred: after.has(seq),
      released: [...before].filter((s) => !after.has(s)).sort((a, b) => a - b),
    });
    prev = cur;
  }
  return out;
}
