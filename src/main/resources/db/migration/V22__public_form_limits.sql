-- Limits on the public "Cancel contracts here" and "Withdraw from contract here" forms: who sent how many in the
-- recent past, so that nobody can flood a stranger's inbox (acknowledgements, case notices) or the support desk.
-- Only a hash of each email typed is kept (one row per email of a request), and rows older than a day are dropped.

CREATE TABLE public_form_sends (
    request_id  text        NOT NULL,
    sent_at     timestamptz NOT NULL,
    client_ip   text        NOT NULL,
    email_hash  text        NOT NULL,                 -- hex SHA-256 of the lower-cased email as typed
    PRIMARY KEY (request_id, email_hash)
);
CREATE INDEX public_form_sends_ip_idx ON public_form_sends (client_ip, sent_at DESC);
CREATE INDEX public_form_sends_email_idx ON public_form_sends (email_hash, sent_at DESC);
