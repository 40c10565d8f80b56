/** `<trace>` arguments: a trace id or an exact trace name. */
import { DomainError } from "../../errors.ts";
import type { EventStore, TraceInfo } from "../../events/store.ts";

export async function traceArg(store: EventStore, arg: string): Promise<TraceInfo> {
  const trace = await store.findTrace(arg);
  if (!trace) throw new DomainError("NOT_FOUND", `no trace ${JSON.stringify(arg)} (racelab traces lists them)`);
  return trace;
}
