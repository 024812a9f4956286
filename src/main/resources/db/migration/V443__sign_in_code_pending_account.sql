-- A code asked for by checkout's "I am new here" for an address that has no account: what was typed for the account
-- (the address as typed, name, country, region), kept until the code proves the address. The account is opened only
-- then (intake.SignInCodes), never before: nobody opens an account for someone else's address. Personal data of a
-- code: erased when the code is used or ended by a newer one of the same browser, and with the row after a day
-- (SignInCodeRetention). Null for every other code; never set on a code of an account.
ALTER TABLE portal_sign_in_codes
  ADD COLUMN pending_email text,
  ADD COLUMN pending_name text,
  ADD COLUMN pending_country text,
  ADD COLUMN pending_region text,
  ADD CONSTRAINT portal_sign_in_codes_pending_whole CHECK (
    (pending_email IS NULL AND pending_name IS NULL AND pending_country IS NULL AND pending_region IS NULL)
    OR (pending_email IS NOT NULL AND pending_name IS NOT NULL AND pending_country IS NOT NULL));
