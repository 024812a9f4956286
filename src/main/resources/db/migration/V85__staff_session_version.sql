-- A console session is good only while it carries its account's current session version: a new password or a
-- disable raises the version, which ends every session begun before it at its next request.
ALTER TABLE staff_users ADD COLUMN session_version bigint NOT NULL DEFAULT 0;
