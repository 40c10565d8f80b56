-- Course boundaries (issue 11): a trace belongs to the course (and the
-- instructor) that imported, forked or claimed it; only that course's
-- instructors write, fork or delete it. Traces without a course were made on
-- the machine itself (the CLI) or before courses owned traces.
ALTER TABLE "traces" ADD COLUMN "course_id" UUID,
ADD COLUMN "owner_id" UUID;
CREATE INDEX "traces_course_id_idx" ON "traces"("course_id");
ALTER TABLE "traces" ADD CONSTRAINT "traces_course_id_fkey" FOREIGN KEY ("course_id") REFERENCES "courses"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "traces" ADD CONSTRAINT "traces_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- An exercise is open until its instructor reveals it (its trace becomes readable)
-- or archives it (it leaves the students' lists).
ALTER TABLE "exercises" ADD COLUMN "archived_at" TIMESTAMPTZ(3),
ADD COLUMN "revealed_at" TIMESTAMPTZ(3);

-- The stored traces an exercise is made of: while it is open they are hidden from
-- everyone but the course's instructors; a trace behind an exercise cannot be deleted.
CREATE TABLE "exercise_traces" (
    "exercise_id" UUID NOT NULL,
    "trace_id" UUID NOT NULL,
    CONSTRAINT "exercise_traces_pkey" PRIMARY KEY ("exercise_id","trace_id")
);
CREATE INDEX "exercise_traces_trace_id_idx" ON "exercise_traces"("trace_id");
ALTER TABLE "exercise_traces" ADD CONSTRAINT "exercise_traces_exercise_id_fkey" FOREIGN KEY ("exercise_id") REFERENCES "exercises"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "exercise_traces" ADD CONSTRAINT "exercise_traces_trace_id_fkey" FOREIGN KEY ("trace_id") REFERENCES "traces"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
