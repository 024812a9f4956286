-- Once-only notices (DESIGN.md invariants 4 and 12): one welcome per account, one order confirmation per
-- subscription, one confirmation per cancellation, one acknowledgement per withdrawal, one notice per refund and per
-- renewal receipt, one expiry notice per subscription. The database keeps it, not care in the callers: a second
-- trigger of the same notice stores nothing (Notices.send answers the first). CANCELLATION_REQUEST_RECEIVED is not
-- one of them: it confirms the receipt of each form sent, even a repeated one for the same cancellation.
CREATE UNIQUE INDEX notices_once_per_subject ON notices (type, related_id)
    WHERE type IN ('WELCOME', 'ORDER_CONFIRMATION', 'CANCELLATION_CONFIRMATION', 'WITHDRAWAL_ACKNOWLEDGEMENT',
                   'REFUND_ISSUED', 'RENEWAL_RECEIPT', 'SUBSCRIPTION_EXPIRED');
