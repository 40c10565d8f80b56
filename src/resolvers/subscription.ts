/**
 * `replay(trace, rules, fromSeq)` over graphql-ws: one message per applied
 * event with its state delta and the findings it raised, for stepping through
 * a trace live. When the replay service can stream its steps (in application
 * order) we relay them; otherwise each step is one recorded event: the
 * state change from the position before it, the findings that appeared, and
 * under rules that defer events, whether it waits and which waiting events
 * it let through.
 */
import type { TraceInfo } from "../events/store.ts";
import type { StoredEvent } from "../events/types.ts";
import { diffViews } from "../projections/view.ts";
import type { FsStateView } from "../replay/types.ts";
import type { AppliedStep, RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";
import type { SubscriptionResolvers, SubscriptionReplayArgs } from "./generated.ts";
import type { ReplayStepModel } from "./models.ts";
import { requireTrace, rulesArg } from "./shared.ts";

/** Events read ahead per store call. */
const READ_AHEAD = 1_000;

/** Seqs of the events deferred at a point (the service's view lists them by pid, when the rules defer). */
function deferredSeqs(view: FsStateView): Set<number> {
  const d = (view as FsStateView & { deferred?: readonly { seqs: readonly number[] }[] }).deferred ?? [];
  return new Set(d.flatMap((x) => x.seqs));
}

/**
 * Steps by recorded event from the replay service's time travel: one state
 * per position, each compared with the previous one (one snapshot fold per step).
 */
async function* stateSteps(ctx: RequestContext, traceId: string, rules: readonly string[], fromSeq: number, to: number): AsyncIterable<AppliedStep> {
  let prev = await ctx.replay.stateAt(traceId, fromSeq - 1, rules);
  for (let seq = fromSeq; seq <= to; seq++) {
    const cur = await ctx.replay.stateAt(traceId, seq, rules);
    const before = deferredSeqs(prev);
    const after = deferredSeqs(cur);
    yield {
      seq,
      changes: diffViews(prev, cur),
      findings: cur.findings.slice(prev.findings.length),
      deferred: after.has(seq),
      released: [...before].filter((s) => !after.has(s)).sort((a, b) => a - b),
    };
    prev = cur;
  }
}

/** Checks the arguments before the stream starts, so a bad one is an error result, not a broken stream. */
async function startReplay(ctx: RequestContext, args: SubscriptionReplayArgs): Promise<AsyncGenerator<{ replay: ReplayStepModel }>> {
  const trace = await requireTrace(ctx, args.trace);
  const fromSeq = args.fromSeq ?? 1;
  if (fromSeq < 1 || fromSeq > trace.version + 1) {
    throw new FieldError("fromSeq", `${fromSeq} is outside 1..${trace.version + 1} (trace ${trace.name} has ${trace.version} events)`);
  }
  return replaySteps(ctx, trace, rulesArg(args.rules), fromSeq);
}

async function* replaySteps(ctx: RequestContext, trace: TraceInfo, rules: readonly string[], fromSeq: number): AsyncGenerator<{ replay: ReplayStepModel }> {
  const abort = new AbortController();
  const steps = ctx.replay.steps
    ? ctx.replay.steps(trace.id, rules, fromSeq, abort.signal)
    : stateSteps(ctx, trace.id, rules, fromSeq, trace.version);
  const ahead = new Map<number, StoredEvent>();
  try {
    for await (const step of steps) {
      let event = ahead.get(step.seq);
      if (!event) {
        ahead.clear();
        for (const e of await ctx.store.read(trace.id, { from: step.seq, to: step.seq + READ_AHEAD - 1 })) ahead.set(e.seq, e);
        event = ahead.get(step.seq);
      }
      if (!event) throw new FieldError("trace", `event ${step.seq} of trace ${trace.name} is gone (deleted meanwhile?)`, { code: "NOT_FOUND" });
      yield { replay: { ...step, traceId: trace.id, event: { ...event, traceId: trace.id }, total: trace.version } };
    }
  } finally {
    // The client completed or went away: stop the replay behind it.
    abort.abort();
  }
}

export const subscriptionResolvers: SubscriptionResolvers = {
  replay: {
    subscribe: (_root, args, ctx) => startReplay(ctx, args),
  },
};
