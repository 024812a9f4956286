-- Console sign-in attempts on a username that waits only because of the ceiling of 100 failures from all addresses
-- (StaffAccounts): they count for none of the failures' limits (others may have caused that wait, and an office's one
-- address must not be made to wait by it), yet each costs a password check. 300 of them from one client address (an
-- IPv6 one by its /64) within an hour make every sign-in from that address wait, refused before any password check.
-- A table of its own rather than a kind of staff_sign_in_failures row: during a rolling deploy the nodes of the
-- release before count every row of that table for the address's limit of 30, and would lock the office out.
-- Deleted after the hour by StaffAccounts.forgetOldFailures, and with the username's successful sign-in from the
-- address. A new table: no lock on an existing one.
CREATE TABLE staff_sign_in_ceiling_attempts (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text        NOT NULL,
    address  text        NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX staff_sign_in_ceiling_attempts_by_address ON staff_sign_in_ceiling_attempts (address, at);
CREATE INDEX staff_sign_in_ceiling_attempts_by_username ON staff_sign_in_ceiling_attempts (username, address);
