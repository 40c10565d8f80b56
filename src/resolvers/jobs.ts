/**
 * The replay and the importer of one request, as jobs (src/jobs): what the
 * resolvers call `ctx.replay` and `ctx.importer`. Each call is one job of the
 * request's owner, stopped when the client goes away.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DomainError } from "../errors.ts";
import type { FormatOption } from "../ftrace/detect.ts";
import type { ImportJobOptions, JobResults } from "../jobs/kinds.ts";
import type { JobRequest, JobRunner } from "../jobs/runner.ts";
import type { AppliedStep } from "../replay/steps.ts";
import type { ReplayService } from "../replay/types.ts";
import type { ApiDeps, ImportOptions, ReplaySteps, TraceImporter } from "./context.ts";
import { FieldError } from "./errors.ts";
import type { ImportResult } from "./models.ts";

/** Steps of the `replay` subscription made per job: enough to stream smoothly, few enough to stop soon. */
const STEPS_PER_JOB = 200;

export function requestReplay(jobs: JobRunner, job: JobRequest): ReplayService & ReplaySteps {
  return {
    check: (traceId, rules) => jobs.run("check", { traceId, rules }, job),
    checks: (traceId, ruleSets) => jobs.run("checks", { traceId, ruleSets }, job),
    stateAt: (traceId, seq, rules) => jobs.run("stateAt", { traceId, seq, rules }, job),
    changes: (traceId, rules) => jobs.run("changes", { traceId, rules }, job),
    diff: (traceId, from, to, rules) => jobs.run("diff", { traceId, from, to, rules }, job),
    async *steps(traceId, rules, fromSeq, to): AsyncIterable<AppliedStep> {
      for (let from = fromSeq; from <= to; from += STEPS_PER_JOB) {
        yield* await jobs.run("replaySteps", { traceId, rules, fromSeq: from, to: Math.min(to, from + STEPS_PER_JOB - 1) }, job);
      }
    },
  };
}

const FORMATS = ["auto", "ftrace", "trace-cmd", "jsonl"] as const;

function formatOption(format: string | null | undefined): FormatOption {
  const f = format ?? "auto";
  if (!(FORMATS as readonly string[]).includes(f)) throw new FieldError("format", `unknown format ${JSON.stringify(f)} (use ${FORMATS.join(", ")})`);
  return f as FormatOption;
}

/** The API's import report: the stored trace with the importer's report. */
export async function importResult(deps: Pick<ApiDeps, "store">, r: JobResults["import"]): Promise<ImportResult> {
  const trace = await deps.store.getTrace(r.traceId);
  if (!trace) throw new DomainError("NOT_FOUND", `trace ${r.traceId} was deleted right after its import`);
  const report = r.report;
  return {
    trace,
    format: report?.format ?? trace.source.format,
    events: report?.events ?? trace.version,
    lines: report?.lines ?? 0,
    skipped: report?.skipped ?? [],
    // Reports stored before the totals existed kept every line.
    skippedTotal: report?.skippedTotal ?? report?.skipped.length ?? 0,
    unmapped: report?.unmapped ?? {},
    gaps: report?.gaps ?? [],
    gapsTotal: report?.gapsTotal ?? report?.gaps.length ?? 0,
    warningCounts: report?.warningCounts ?? {},
    unbound: report?.unbound ?? 0,
    lineBuckets: report?.lineBuckets ?? null,
    duplicate: r.existing,
  };
}

/** Traces at least this long get their snapshots built right after their import (a long job). */
const PREWARM_EVENTS = 100_000;

/** After a large import, time travel under both canonical rule sets is made cheap in the background. */
function prewarm(deps: Pick<ApiDeps, "store" | "jobs">, traceId: string, job: JobRequest): void {
  void deps.store.getTrace(traceId).then(async (t) => {
    if (!t || t.version < PREWARM_EVENTS) return;
    // Not stopped with the request that imported it; a failure only leaves the build to the first stateAt.
    for (const rules of [["unpatched"], ["patched"]]) await deps.jobs.run("snapshots", { traceId, rules }, { owner: job.owner }).catch(() => {});
  });
}

export function requestImporter(deps: Pick<ApiDeps, "store" | "jobs" | "spoolDir">, job: JobRequest): TraceImporter {
  const importPath = async (file: string, o: ImportOptions) => {
    const options: ImportJobOptions = {
      ...(o.name ? { name: o.name } : {}),
      format: formatOption(o.format),
      skipInvalid: o.skipInvalid ?? false,
      ...(o.displayName ? { displayName: o.displayName } : {}),
      ...(o.owner ? { owner: o.owner } : {}),
    };
    const r = await deps.jobs.run("import", { file, options }, job);
    if (!r.existing) prewarm(deps, r.traceId, job);
    return importResult(deps, r);
  };
  return {
    importFile: importPath,
    // Text goes through a file in the spool: the importer streams files.
    importText: async (text, o) => {
      const dir = await mkdtemp(path.join(deps.spoolDir, "import-"));
      try {
        const file = path.join(dir, "graphql-import");
        await writeFile(file, text);
        return await importPath(file, { displayName: "graphql-import", ...o });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
