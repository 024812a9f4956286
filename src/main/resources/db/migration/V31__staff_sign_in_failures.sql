-- Failed console sign-ins by username (only names a staff account could have): while ten or more of them are
-- less than 15 minutes old, that username cannot sign in, whatever the password (a refused try counts too).
-- A successful sign-in deletes the username's rows.
CREATE TABLE staff_sign_in_failures (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username  text        NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX staff_sign_in_failures_idx ON staff_sign_in_failures (username, at);
