/**
 * The shapes of the GraphQL answers the page reads (src/resolvers/schema.graphql
 * and exercises.graphql), as selected by queries.ts. Pure types: the timeline
 * model (timeline/model.ts) is also run by the Node tests.
 */

export type Verdict = "BUG" | "CLEAN" | "UNDECIDABLE";

export interface TraceSummary {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly sourceFile: string | null;
  readonly createdAt: string;
  readonly version: number;
  readonly meta: unknown;
}

export interface EventOrigin {
  readonly line: number | null;
  readonly pid: number;
  readonly comm: string | null;
  readonly cpu: number | null;
  readonly ts: string | null;
}

export interface TraceEvent {
  readonly seq: number;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly bytenr: string | null;
  readonly origin: EventOrigin;
  readonly chain: { readonly id: number; readonly kind: string } | null;
  readonly observation: boolean;
}

// Findings and reorderings travel over GraphQL exactly as the replay reports them.
export type { Finding, Reordering } from "../../src/replay/types.ts";
import type { Finding, Reordering } from "../../src/replay/types.ts";

export interface CheckResult {
  readonly verdict: Verdict;
  readonly rules: readonly string[];
  readonly findings: readonly Finding[];
  readonly warnings: readonly string[];
  readonly reordered: readonly Reordering[];
  readonly undecided: readonly { readonly seq: number; readonly line: number | null; readonly why: string }[];
  readonly deferredAtEnd: readonly number[];
  readonly gaps: readonly number[];
}

export interface Fix {
  readonly id: string;
  readonly title: string;
  readonly race: string;
  readonly invariant: string;
}

export interface Race {
  readonly id: string;
  readonly title: string;
  readonly effect: string;
  readonly fix: string | null;
}

export interface FreeSpaceEntry {
  readonly offset: string;
  readonly bytes: string;
  readonly hidden: boolean;
}

export interface BlockGroup {
  readonly start: string;
  readonly length: string | null;
  readonly flags: readonly string[];
  readonly ro: boolean;
  readonly roCount: number;
  readonly removed: boolean;
  readonly trimming: number;
  readonly status: "ACTIVE" | "READ_ONLY" | "REMOVED";
  readonly inCacheTree: boolean;
  readonly itemInserted: boolean;
  readonly used: string;
  readonly reserved: string;
  readonly dirty: boolean;
  readonly newBgOf: number | null;
  readonly freeSpace: readonly FreeSpaceEntry[];
}

export interface ExtentMap {
  readonly start: string;
  readonly length: string | null;
  readonly pinned: boolean;
  readonly type: readonly string[];
  readonly inTree: boolean;
  readonly stripes: readonly { readonly devid: number; readonly physical: string }[] | null;
  readonly devRanges: readonly { readonly devid: number; readonly physical: string; readonly end: string }[];
}

export interface DevExtent {
  readonly devid: number;
  readonly physical: string;
  readonly length: string | null;
  readonly chunk: string;
  readonly deletedAt: number | null;
  readonly visibleInCommitRoot: boolean;
}

export interface Transaction {
  readonly commits: number;
  readonly lastGen: number | null;
  readonly state: string;
  readonly dirtyBlockGroups: readonly string[];
  readonly newBlockGroups: readonly { readonly pid: number; readonly blockGroups: readonly string[] }[];
}

export interface Mutex {
  readonly name: string;
  readonly holder: number | null;
  readonly waiters: readonly number[];
}

export interface Actor {
  readonly pid: number;
  readonly comm: string | null;
  readonly status: "RUNNING" | "BLOCKED";
  readonly blockedOn: string | null;
  readonly phase: string;
  readonly discard: { readonly bytenr: string | null; readonly devid: number | null; readonly physical: string | null; readonly len: string | null } | null;
}

export interface FsState {
  readonly seq: number;
  readonly rules: readonly string[];
  readonly blockGroups: readonly BlockGroup[];
  readonly extentMaps: readonly ExtentMap[];
  readonly pinnedChunks: readonly string[];
  readonly devExtents: readonly DevExtent[];
  readonly transactions: readonly Transaction[];
  readonly mutexes: readonly Mutex[];
  readonly actors: readonly Actor[];
  readonly findings: readonly Finding[];
}

// Diffs travel over GraphQL exactly as the replay computes them.
export type { StateChange, StateDiff } from "../../src/replay/types.ts";

// ---- exercises (exercises.graphql) --------------------------------------------

export type ExerciseKind = "SPOT_THE_RACE" | "BE_THE_SCHEDULER" | "WHICH_FIX" | "PREDICT_THE_STATE";
export type UserRole = "INSTRUCTOR" | "STUDENT";

export interface ViewerInfo {
  readonly id: string;
  readonly name: string;
  readonly role: UserRole;
  readonly course: { readonly id: string; readonly name: string; readonly title: string | null };
}

export interface ExerciseSummary {
  readonly id: string;
  readonly kind: ExerciseKind;
  readonly title: string;
  readonly race: string | null;
  readonly course: { readonly id: string; readonly name: string } | null;
}

export interface ExerciseStep {
  readonly seq: number;
  readonly actor: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly type: string;
  readonly args: string;
}

export interface Program {
  readonly actor: string;
  readonly pid: number;
  readonly comm: string | null;
  readonly role: string | null;
  readonly steps: readonly string[];
}

export interface Question {
  readonly id: string;
  readonly ask: string;
  readonly text: string;
  readonly answerType: string;
  readonly bg: string | null;
  readonly actor: string | null;
}

export interface FeedbackCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface GradingReplay {
  readonly what: string;
  readonly rules: string;
  readonly verdict: string;
  readonly finding: { readonly race: string | null; readonly effect: string; readonly seq: number; readonly message: string } | null;
  readonly reordered: readonly string[];
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

export interface Submission {
  readonly id: string;
  readonly attempt: number;
  readonly submittedAt: string;
  readonly answer: unknown;
  readonly correct: boolean;
  readonly score: number;
  readonly feedback: { readonly summary: string; readonly checks: readonly FeedbackCheck[]; readonly replays: readonly GradingReplay[] };
}

export interface ExerciseDetail extends ExerciseSummary {
  readonly statement: string;
  readonly hintCount: number;
  readonly hintsRevealed: number;
  readonly steps: readonly ExerciseStep[] | null;
  readonly programs: readonly Program[] | null;
  readonly names: readonly { readonly name: string; readonly address: string }[];
  readonly questions: readonly Question[] | null;
  readonly at: number | null;
  readonly rules: readonly string[] | null;
  readonly fix: string | null;
  readonly fixChoices: readonly string[] | null;
  readonly answerFields: readonly string[];
  readonly events: number;
  readonly mySubmissions: readonly Submission[];
}

export interface Hint {
  readonly n: number;
  readonly text: string;
  readonly of: number;
  readonly revealed: number;
}
