-- Forks share their base's prefix (src/events/pg-store.ts forkTrace): a fork's
-- events 1..base_seq are those of base_id, its own rows start at base_seq + 1.
-- RESTRICT: deleting a base first copies what its forks share of it into them.
ALTER TABLE "traces" ADD COLUMN "base_id" UUID,
ADD COLUMN "base_seq" INTEGER,
ADD CONSTRAINT "traces_base_check" CHECK (("base_id" IS NULL) = ("base_seq" IS NULL) AND ("base_seq" IS NULL OR "base_seq" > 0));

-- CreateIndex
CREATE INDEX "traces_base_id_idx" ON "traces"("base_id");

-- AddForeignKey
ALTER TABLE "traces" ADD CONSTRAINT "traces_base_id_fkey" FOREIGN KEY ("base_id") REFERENCES "traces"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
