-- Classroom (issue 6): courses, users (bearer token hashes), course exercises,
-- per-student submission streams (append-only, expected-version appends) and
-- the gradebook projection rebuilt from them.

-- CreateTable
CREATE TABLE "courses" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "title" TEXT,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "courses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "course_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "users_role_check" CHECK ("role" IN ('instructor', 'student')),
    CONSTRAINT "users_token_hash_check" CHECK ("token_hash" ~ '^[0-9a-f]{64}$')
);

-- CreateTable
CREATE TABLE "exercises" (
    "id" UUID NOT NULL,
    "course_id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exercises_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "submission_streams" (
    "id" UUID NOT NULL,
    "course_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "exercise_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "submission_streams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "submission_events" (
    "stream_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "submission_events_pkey" PRIMARY KEY ("stream_id","seq")
);

-- CreateTable
CREATE TABLE "gradebook_entries" (
    "course_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "exercise_id" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "hints_used" INTEGER NOT NULL,
    "best_score" DOUBLE PRECISION NOT NULL,
    "correct" BOOLEAN NOT NULL,
    "first_correct_seq" INTEGER,
    "first_correct_at" TIMESTAMPTZ(3),
    "last_score" DOUBLE PRECISION,
    "last_submitted_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL,

    CONSTRAINT "gradebook_entries_pkey" PRIMARY KEY ("course_id","user_id","exercise_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "courses_name_key" ON "courses"("name");

-- CreateIndex
CREATE UNIQUE INDEX "users_token_hash_key" ON "users"("token_hash");

-- CreateIndex
CREATE INDEX "users_course_id_idx" ON "users"("course_id");

-- CreateIndex
CREATE UNIQUE INDEX "exercises_course_id_slug_key" ON "exercises"("course_id", "slug");

-- CreateIndex
CREATE UNIQUE INDEX "submission_streams_course_id_user_id_exercise_id_key" ON "submission_streams"("course_id", "user_id", "exercise_id");

-- CreateIndex
CREATE INDEX "submission_streams_course_id_exercise_id_idx" ON "submission_streams"("course_id", "exercise_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_course_id_fkey" FOREIGN KEY ("course_id") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exercises" ADD CONSTRAINT "exercises_course_id_fkey" FOREIGN KEY ("course_id") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "submission_streams" ADD CONSTRAINT "submission_streams_course_id_fkey" FOREIGN KEY ("course_id") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "submission_streams" ADD CONSTRAINT "submission_streams_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "submission_events" ADD CONSTRAINT "submission_events_stream_id_fkey" FOREIGN KEY ("stream_id") REFERENCES "submission_streams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Submissions are append-only: rows are never changed or deleted one by one (a whole course may be dropped).
CREATE FUNCTION "submission_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'submission_events is append-only';
END;
$$;

CREATE TRIGGER "submission_events_no_update" BEFORE UPDATE ON "submission_events"
    FOR EACH ROW EXECUTE FUNCTION "submission_events_append_only"();
