-- Snapshots in layers (src/replay/snapshots.ts): a snapshot row holds the
-- changing part of the state, segments its settled entries. Snapshots are
-- derived data and the full-state rows of the old form are never read again
-- (their keys end in /f2): they are dropped, and rebuilt on first use.
DELETE FROM "snapshots";

-- AlterTable: the state is one JSON text the database never looks into.
ALTER TABLE "snapshots" ALTER COLUMN "state" SET DATA TYPE TEXT;
