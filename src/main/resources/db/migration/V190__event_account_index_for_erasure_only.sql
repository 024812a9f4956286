-- The renewal run appends two events per renewal (subscription.renewed, charge.succeeded); every index entry of
-- domain_event costs each of them. The account index served one query only: a closure erasing the personal data
-- of the account's account.* and device.* events (EventLog.overwrite, which repeats this condition). Index only
-- those events: the subscription.* and charge.* events, almost all of the log, no longer pay an entry each (in
-- random key order, as renewals come in due order, not account order).
DROP INDEX domain_event_account;
CREATE INDEX domain_event_account_personal ON domain_event (account_id)
    WHERE type LIKE 'account.%' OR type LIKE 'device.%';
