-- Wrong passwords typed again in a signed-in console session (StaffAccounts.confirmPassword: an ADMIN's own password
-- to rotate or revoke a receipt key, or the current one to set a new one of their own). Counted for the session alone,
-- never as failed sign-ins: strangers' wrong sign-ins, which can make a username wait, must not hold a signed-in
-- session's form, and a session's guesses are bounded by its own count (the fifth within 15 minutes signs it out;
-- while it has five, every further one is refused before any password check). session_hash is the hex SHA-256 of the
-- HTTP session's id, never the id itself (that would let whoever reads this table take the session over).
-- Deleted at the session's right password, and after 15 minutes by StaffAccounts.forgetOldFailures.
-- A new table: no lock on an existing one.
CREATE TABLE staff_password_reentries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text        NOT NULL,
    session_hash text        NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX staff_password_reentries_by_session ON staff_password_reentries (username, session_hash, at);
CREATE INDEX staff_password_reentries_by_time ON staff_password_reentries (at);
