-- A subscription has ended (CANCELLED or EXPIRED) exactly when it records when (ended_at): the consent evidence's
-- retention counts from it (checkout.ConsentEvidenceRetention), so an end written without it would keep the evidence
-- for ever, and a live subscription with one could lose it. This is the contract step of V403 (expand): the release
-- before this one already writes ended_at on every end, so its nodes, serving while this one migrates, satisfy it;
-- V440 filled in what the release before that left. NOT VALID here (a short lock, no read of the table); V442 checks
-- the existing rows.
-- The ALTER waits for the table's ACCESS EXCLUSIVE lock, and every renewal, cancellation and purchase would queue
-- behind it while a long query holds the table: give up after 10 s instead (the start fails; start again).
SET LOCAL lock_timeout = '10s';
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_ended_at_check
    CHECK ((status IN ('CANCELLED', 'EXPIRED')) = (ended_at IS NOT NULL)) NOT VALID;
