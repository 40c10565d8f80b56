-- A log on its way to a `racelab worker` (src/jobs/queue.ts): the upload, in
-- parts, in the database every worker reaches; removed once imported.
CREATE TABLE "job_files" (
    "file_id" UUID NOT NULL,
    "part" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "job_files_pkey" PRIMARY KEY ("file_id","part")
);
