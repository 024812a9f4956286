-- Notices stored under one account but addressed to whatever address was typed (a public cancellation's
-- confirmation, a withdrawal acknowledgement sent signed in): found by that address when its holder closes their
-- own account, so that it is erased there too (invariant 14).
CREATE INDEX notices_typed_recipient_idx ON notices (lower(recipient))
    WHERE type IN ('CANCELLATION_REQUEST_RECEIVED', 'WITHDRAWAL_ACKNOWLEDGEMENT');
