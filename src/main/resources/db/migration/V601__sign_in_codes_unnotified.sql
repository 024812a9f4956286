-- flyway:executeInTransaction=false
-- The codes whose notice is still to be written, for the safety net's run each minute (intake.SignInCodeNotices):
-- only the mailable ones (of an account, or waiting with checkout's new account) that are not yet notified, so the
-- index stays as small as the notices in flight. CONCURRENTLY, alone in its script: every sign-in request writes
-- portal_sign_in_codes. V602 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS portal_sign_in_codes_unnotified ON portal_sign_in_codes (created_at)
    WHERE notified_at IS NULL AND (account_id IS NOT NULL OR pending_email IS NOT NULL);
