/**
 * Predict-the-state questions: their wording, the kind of answer they take,
 * and their true answer read off the replayed state (`FsStateView`). One
 * function per concern; the switch over `QuestionAsk` has no default, so a
 * new question kind is a compile error until it is answered here.
 */
import { UnreachableCaseError } from "../errors.ts";
import { FIXES, type Fix, resolveRules } from "../rules/index.ts";
import type { FsStateView } from "../replay/types.ts";
import { canonicalAnswerText } from "./definition.ts";
import { addressName, parseAddress } from "./trace.ts";
import type { AnswerType, ExerciseTrace, Question, QuestionAsk } from "./types.ts";

export function answerType(ask: QuestionAsk): AnswerType {
  switch (ask) {
    case "read-only":
    case "in-cache-tree":
    case "extent-map":
    case "map-pinned":
    case "removed-flag":
    case "item-inserted":
    case "dirty":
    case "blocked":
      return "yes-no";
    case "ro-count":
    case "trimming":
    case "commits":
      return "count";
    case "mutex-holder":
      return "actor";
    default:
      throw new UnreachableCaseError(ask);
  }
}

/** The lock a `mutex-holder` question asks about: the first the rule set's fixes add. */
function askedLock(rules: readonly string[]): string {
  return resolveRules(rules).locks[0]?.name ?? "the lock";
}

/** The question's wording; `rules` is the rule set the state is replayed under. */
export function questionText(q: Question, trace: ExerciseTrace, rules: readonly string[]): string {
  const bg = q.bg === null ? "?" : bgLabel(trace, q.bg);
  switch (q.ask) {
    case "read-only":
      return `Is block group ${bg} read-only (ro > 0)?`;
    case "ro-count":
      return `What is the ro counter of block group ${bg}?`;
    case "in-cache-tree":
      return `Is block group ${bg} still in the block group cache (not removed)?`;
    case "extent-map":
      return `Is the extent map (chunk mapping) of ${bg} present in the mapping tree?`;
    case "map-pinned":
      return `Is the extent map of ${bg} pinned (kept on pinned_chunks)?`;
    case "removed-flag":
      return `Is the removed flag of block group ${bg} set?`;
    case "item-inserted":
      return `Is the block group item of ${bg} in the extent tree (phase 2 of its creation done)?`;
    case "dirty":
      return `Is block group ${bg} on the running transaction's dirty list?`;
    case "trimming":
      return `What is the trimming counter of block group ${bg}?`;
    case "mutex-holder":
      return `Who holds ${askedLock(rules)}? (an actor, or none)`;
    case "blocked":
      return `Is actor ${q.actor ?? "?"} blocked, waiting for a lock?`;
    case "commits":
      return "How many transactions have committed so far?";
    default:
      throw new UnreachableCaseError(q.ask);
  }
}

function bgLabel(trace: ExerciseTrace, bg: string): string {
  const v = parseAddress(trace, bg);
  if (v === null) return bg;
  const name = addressName(trace, v);
  return name.startsWith("0x") ? name : `${name} (0x${v.toString(16)})`;
}

/** Why a question cannot be asked of this state (a load error), or null. */
export function questionProblem(q: Question, trace: ExerciseTrace, state: FsStateView): { field: "bg" | "actor" | "ask"; problem: string } | null {
  if (q.bg !== null) {
    const v = parseAddress(trace, q.bg);
    if (v === null) return { field: "bg", problem: `${JSON.stringify(q.bg)} is neither an address nor a name of the trace (${trace.names.map(([n]) => n).join(", ") || "none"})` };
    if (!state.blockGroups.some((b) => BigInt(b.start) === v)) {
      return { field: "bg", problem: `block group ${bg(trace, v)} is not in the state after step ${state.seq} (the trace has not referred to it yet)` };
    }
  }
  if (q.actor !== null && !trace.actors.some((a) => a.name === q.actor)) {
    return { field: "actor", problem: `no actor ${JSON.stringify(q.actor)} (actors: ${trace.actors.map((a) => a.name).join(", ")})` };
  }
  if (q.ask === "mutex-holder" && state.mutexes.length === 0) {
    const adding = (FIXES as readonly Fix[]).filter((f) => (f.locks ?? []).length > 0);
    const locks = [...new Set(adding.flatMap((f) => f.locks!.map((l) => l.name)))];
    return { field: "ask", problem: `the rule set has no ${locks.join(" or ")}: replay with rules that include ${adding.map((f) => f.id).join(" or ")}` };
  }
  return null;
}

const bg = (trace: ExerciseTrace, v: bigint) => addressName(trace, v);
const yn = (b: boolean) => (b ? "yes" : "no");

/** The true answer (canonical text) of a question in a state; the question must have passed `questionProblem`. */
export function trueAnswer(q: Question, trace: ExerciseTrace, state: FsStateView): string {
  const v = q.bg === null ? null : parseAddress(trace, q.bg);
  const group = v === null ? undefined : state.blockGroups.find((b) => BigInt(b.start) === v);
  const map = v === null ? undefined : state.extentMaps.find((m) => BigInt(m.start) === v);
  switch (q.ask) {
    case "read-only":
      return yn((group?.ro ?? 0) > 0);
    case "ro-count":
      return String(group?.ro ?? 0);
    case "in-cache-tree":
      return yn(group?.inCacheTree ?? false);
    case "extent-map":
      return yn(map?.inTree ?? false);
    case "map-pinned":
      return yn(map?.pinned ?? false);
    case "removed-flag":
      return yn(group?.removed ?? false);
    case "item-inserted":
      return yn(group?.itemInserted ?? false);
    case "dirty":
      return yn(group?.dirty ?? false);
    case "trimming":
      return String(group?.trimming ?? 0);
    case "mutex-holder": {
      const holder = state.mutexes[0]?.holder ?? null;
      if (holder === null) return "none";
      return trace.actors.find((a) => a.pid === holder)?.name ?? String(holder);
    }
    case "blocked": {
      const pid = trace.actors.find((a) => a.name === q.actor)?.pid;
      return yn(state.actors.some((a) => a.pid === pid && a.status === "blocked"));
    }
    case "commits":
      return String(state.transactions[0]?.commits ?? 0);
    default:
      throw new UnreachableCaseError(q.ask);
  }
}

/** A student's answer in canonical form: actors by name (a pid is accepted), counts as decimals. */
export function normalizeAnswer(q: Question, trace: ExerciseTrace, value: string): string {
  const t = canonicalAnswerText(value);
  if (answerType(q.ask) === "actor" && t !== "none") {
    const byPid = trace.actors.find((a) => String(a.pid) === t);
    if (byPid) return byPid.name;
  }
  return t;
}
