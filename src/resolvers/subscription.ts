/**
 * `replay(trace, rules, fromSeq)` over graphql-ws: one message per recorded
 * event with the state change from the position before it, the findings
 * that appeared, and under rules that defer events, whether it waits and
 * which waiting events it let through (src/replay/steps.ts). The steps are
 * made in batches by the request's jobs: a client that goes away leaves no
 * work behind but the batch in flight.
 */
import type { TraceInfo } from "../events/store.ts";
import type { StoredEvent } from "../events/types.ts";
import type { RequestContext } from "./context.ts";
import { FieldError } from "./errors.ts";
import type { SubscriptionResolvers, SubscriptionReplayArgs } from "./generated.ts";
import type { ReplayStepModel } from "./models.ts";
import { requireTrace, rulesArg } from "./shared.ts";

/** Events read ahead per store call. */
const READ_AHEAD = 1_000;

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
  const steps = ctx.replay.steps(trace.id, rules, fromSeq, trace.version);
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
    // The client completed or went away: the steps' generator stops with this one (its next job is never made).
  }
}

export const subscriptionResolvers: SubscriptionResolvers = {
  replay: {
    subscribe: (_root, args, ctx) => startReplay(ctx, args),
  },
};
