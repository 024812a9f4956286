-- Notices of a closing account that SMTP has not delivered yet: kept here, outside the erased notices,
-- only until they are sent, so the customer still gets the confirmation of the closure.
CREATE TABLE notice_outbox (
    notice_id  text PRIMARY KEY REFERENCES notices (id),
    recipient  text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL
);

-- Who changed what through the API (the X-Actor header, or "api").
ALTER TABLE audit_events ADD COLUMN status int;
