-- Verdicts of the replay (src/replay-service.ts), a projection of a trace's
-- events: one row per (trace, rule set, engine version), valid while the
-- trace is at `trace_version` (appends raise it). Derived data: recomputed
-- and replaced on use when stale, deleted with the trace.
CREATE TABLE "verdicts" (
    "trace_id" UUID NOT NULL,
    "rules" TEXT NOT NULL,
    "engine" INTEGER NOT NULL,
    "trace_version" INTEGER NOT NULL,
    "report" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "verdicts_pkey" PRIMARY KEY ("trace_id","rules","engine")
);

-- AddForeignKey
ALTER TABLE "verdicts" ADD CONSTRAINT "verdicts_trace_id_fkey" FOREIGN KEY ("trace_id") REFERENCES "traces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
