-- CreateTable
CREATE TABLE "traces" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "source_file" TEXT,
    "source_hash" TEXT,
    "format" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "meta" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "traces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "trace_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "position" BIGSERIAL NOT NULL,
    "type" TEXT NOT NULL,
    "pid" INTEGER,
    "comm" TEXT,
    "cpu" INTEGER,
    "ts" BIGINT,
    "line" INTEGER,
    "data" JSONB NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "events_pkey" PRIMARY KEY ("trace_id","seq")
);

-- CreateTable
CREATE TABLE "snapshots" (
    "trace_id" UUID NOT NULL,
    "rules" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "state" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("trace_id","rules","seq")
);

-- CreateIndex
CREATE INDEX "traces_name_idx" ON "traces"("name");

-- CreateIndex
CREATE INDEX "traces_source_hash_idx" ON "traces"("source_hash");

-- CreateIndex
CREATE INDEX "events_trace_id_type_idx" ON "events"("trace_id", "type");

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_trace_id_fkey" FOREIGN KEY ("trace_id") REFERENCES "traces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_trace_id_fkey" FOREIGN KEY ("trace_id") REFERENCES "traces"("id") ON DELETE CASCADE ON UPDATE CASCADE;
