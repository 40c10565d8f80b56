-- The text of the log lines that made events (issue 14), so that each event
-- can show its source line. Written by the import, in its own transaction,
-- with COPY. Lines come in blocks (a few hundred lines of one trace per row):
-- a row per line would cost the import an index entry per event. `text` is
-- `<line>\t<text of that line>` per line, joined by newlines, lines ascending.
-- `max_seq`: the lines are those of events 1..max_seq only (a fork's copy of
-- the lines it shared with a deleted base; its own appended events are not
-- theirs); null: of every event of the trace.

-- CreateTable
CREATE TABLE "source_lines" (
    "trace_id" UUID NOT NULL,
    "first_line" INTEGER NOT NULL,
    "last_line" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "max_seq" INTEGER,

    CONSTRAINT "source_lines_pkey" PRIMARY KEY ("trace_id","first_line"),
    CONSTRAINT "source_lines_range_check" CHECK ("first_line" >= 1 AND "last_line" >= "first_line")
);

-- AddForeignKey
ALTER TABLE "source_lines" ADD CONSTRAINT "source_lines_trace_id_fkey" FOREIGN KEY ("trace_id") REFERENCES "traces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
