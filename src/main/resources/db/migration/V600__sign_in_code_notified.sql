SET LOCAL lock_timeout = '10s';
-- When a sign-in code's SIGN_IN_CODE notice was written (intake.SignInCodeNotices): after the request that stored the
-- code has committed, off its thread, so that the request does the same work whether or not an account has the email.
-- Null while the notice is still to be written (the safety net writes it for a code still valid), and for good on a
-- code of an address with no account (never mailed). A time, no personal data. The codes stored before this one were
-- mailed by their requests, and so are those the release before this one still stores during the deploy: its nodes
-- write the notice in the request and name no notified_at, so the default marks their rows (the rows already there
-- take the time of this migration; now() is stable, so no row is rewritten). The new code always names it (null). The
-- next release drops the default.
ALTER TABLE portal_sign_in_codes ADD COLUMN notified_at timestamptz DEFAULT now();
