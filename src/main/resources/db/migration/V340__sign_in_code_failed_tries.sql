-- The wrong tries made on a code (attempts counts the right one too): strangers' codes for one email together have a
-- daily ceiling of failed tries (intake.SignInCodes), over the day the rows are kept (SignInCodeRetention).
ALTER TABLE portal_sign_in_codes ADD COLUMN failed_tries integer NOT NULL DEFAULT 0;
