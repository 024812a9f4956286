-- notices_typed_recipient_idx (V259) by the rule of shared.EmailAddresses.SQL_KEY, the expression the closure's
-- erasure of typed recipients (Notices.eraseTypedRecipient) compares them by now. Built CONCURRENTLY: notices is the
-- largest table, and its inserts go on meanwhile.
CREATE INDEX CONCURRENTLY IF NOT EXISTS notices_typed_recipient_key_idx
    ON notices ((lower(normalize(btrim(recipient), NFC) COLLATE pg_c_utf8)))
    WHERE type IN ('CANCELLATION_REQUEST_RECEIVED', 'WITHDRAWAL_ACKNOWLEDGEMENT');
