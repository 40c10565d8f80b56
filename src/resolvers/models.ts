/**
 * Parent types of the resolvers (codegen `mappers`): the domain shapes the
 * store, the replay and the importer return, plus the trace id where a child
 * field needs it (a finding resolves its event). No GraphQL type is repeated
 * here; those are generated from the SDL.
 */
import type { TraceInfo } from "../events/store.ts";
import type { TraceOverview } from "../events/query.ts";
import type { StoredEvent } from "../events/types.ts";
import type { CoveredCheckReport, Finding, FsStateView, Reordering } from "../replay/types.ts";
import type { LineBuckets } from "../ftrace/report.ts";
import type { AppliedStep } from "./context.ts";
import type { Page } from "./shared.ts";

/** An event with the trace it was read from (its source line is looked up there). */
export type EventModel = StoredEvent & { readonly traceId: string };

/** A page of events; `count` counts what the arguments keep in all, when asked (totalCount). */
export interface EventPageModel extends Page<EventModel> {
  readonly count: () => Promise<number>;
}

export interface TraceOverviewModel extends TraceOverview {
  readonly traceId: string;
}

export interface BlockGroupSummaryModel {
  readonly bytenr: bigint;
  readonly events: number;
}

export interface FsStateModel extends FsStateView {
  readonly traceId: string;
}

export interface FreeSpaceModel {
  readonly blockGroup: string;
  readonly offset: string;
  readonly bytes: string;
  readonly hidden: boolean;
}

export interface CheckModel extends CoveredCheckReport {
  readonly traceId: string;
}

export interface FindingModel extends Finding {
  readonly traceId: string;
}

export interface ReorderingModel extends Reordering {
  readonly traceId: string;
}

export interface ForkOriginModel {
  readonly traceId: string;
  readonly atSeq: number;
}

export interface AppendModel {
  readonly traceId: string;
  readonly version: number;
  readonly appended: number;
}

export interface EventTypeModel {
  readonly type: string;
  readonly doc: string;
  readonly observation: boolean;
  /** JSON Schema of the payload (input side). */
  readonly payload: unknown;
}

export interface ReplayStepModel extends AppliedStep {
  readonly traceId: string;
  readonly event: EventModel;
  readonly total: number;
}

/** A fix as the API shows it (from the rule registry). */
export interface FixInfo {
  readonly id: string;
  readonly title: string;
  readonly seed: string | null;
  readonly commit: string | null;
  readonly invariant: string;
  readonly race: string;
}

export interface RaceInfo {
  readonly id: string;
  readonly title: string;
  readonly effect: string;
  readonly fix: string | null;
  readonly seeds: readonly string[];
}

export interface ScenarioInfo {
  readonly name: string;
  readonly race: string | null;
  readonly title: string | null;
  readonly benign: boolean;
  readonly description: string | null;
  readonly actors: readonly number[];
  readonly events: number;
  readonly text: string;
}

/** What an import returns (issue 4's import report, with the stored trace). */
export interface ImportResult {
  readonly trace: TraceInfo;
  readonly format: string;
  readonly events: number;
  readonly lines: number;
  readonly skipped: readonly number[];
  readonly skippedTotal: number;
  readonly unmapped: Readonly<Record<string, number>>;
  readonly gaps: readonly number[];
  readonly gapsTotal: number;
  readonly warningCounts: Readonly<Record<string, number>>;
  readonly unbound: number;
  /** Where every line went (null: reported before the buckets existed). */
  readonly lineBuckets: LineBuckets | null;
  /** The same content had been imported before: that trace, nothing written. */
  readonly duplicate: boolean;
}
