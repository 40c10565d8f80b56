-- Bearer tokens expire and can be revoked (src/auth/viewer.ts); `last_used_at`
-- says when a token was last seen (updated at most once a minute).
ALTER TABLE "users" ADD COLUMN "expires_at" TIMESTAMPTZ(3),
ADD COLUMN "revoked_at" TIMESTAMPTZ(3),
ADD COLUMN "last_used_at" TIMESTAMPTZ(3);
