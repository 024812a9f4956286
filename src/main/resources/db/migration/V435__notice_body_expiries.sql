-- A one-time code notice (SIGN_IN_CODE, VERIFICATION_CODE) carries a live code and, for sign-in, a one-time sign-in
-- link: its text must not outlive the code. SMTP delivery erases it when the mail server takes the notice or refuses
-- it for good (SmtpDelivery); this table holds when each such notice's code expires, so that notices.OneTimeCodeBodies
-- erases the text of those never sent (no mail server, or still being retried) at that instant. One row per one-time
-- code notice, deleted when its text is erased: the table stays as small as the codes valid now, and the erasure
-- reads it by its index, never the notices table.
CREATE TABLE notice_body_expiries (
    notice_id  text        PRIMARY KEY REFERENCES notices (id),
    expires_at timestamptz NOT NULL
);

CREATE INDEX notice_body_expiries_due_idx ON notice_body_expiries (expires_at);
