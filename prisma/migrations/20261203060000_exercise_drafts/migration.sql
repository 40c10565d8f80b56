-- Exercises racelab generates (issue 16) are stored as drafts: listed for
-- their course's instructors only, who preview, edit and publish or drop
-- them; students never see a draft nor answer it. Every exercise made so far
-- is published.
ALTER TABLE "exercises" ADD COLUMN "draft" BOOLEAN NOT NULL DEFAULT false;
