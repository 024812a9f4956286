-- What a case that staff open for themselves is about (Support.openOrAddForStaff), the same each time, so that one
-- case stays open per thing: a Google Play purchase whose voided orders cannot be placed (StoreSync.UNPLACED) is
-- 'GOOGLE_PLAY:' and a SHA-256 prefix of its token, never the token itself. Nullable, no default: adding it rewrites
-- nothing; other cases keep NULL. V771 makes it unique among the cases not resolved.
SET LOCAL lock_timeout = '10s';
ALTER TABLE support_cases ADD COLUMN reference text;
