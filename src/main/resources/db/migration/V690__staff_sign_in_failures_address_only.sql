-- A failed console sign-in that counts for its client address's limit alone, not for its username's waits: an attempt
-- on a username already waiting because of this address's own failures (StaffAccounts). It keeps the username, so
-- that username's successful sign-in from the address clears it with the others; the username's waits (10 from one
-- address, 100 from all) count only rows where this is false. A constant default: no table rewrite.
SET LOCAL lock_timeout = '10s';
ALTER TABLE staff_sign_in_failures ADD COLUMN address_only boolean NOT NULL DEFAULT false;
