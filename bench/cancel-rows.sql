-- One IMMEDIATE cancellation with a money-back refund, as the rows it writes (bench/run-cancel-ceiling.sh): the
-- cancel transaction (with its domain event and its audit entry), then the refund's settlement after commit (with
-- refund.issued and the receipt's signature) and the audit entry's seal. Keys are random over the seeded
-- subscriptions (-D rows=N); written values have the size of the real ones.
\set k random(1, :rows)
BEGIN;
SELECT subscription_id AS sub, account_id AS acct, charge_id AS chg, payment_method_id AS pm,
       nextval('ceiling.numbers') AS n,
       (SELECT data FROM ceiling.event_samples WHERE type = 'subscription.cancelled') AS cancelled,
       (SELECT data FROM ceiling.event_samples WHERE type = 'refund.issued') AS refunded
FROM ceiling.work WHERE k = :k \gset
SELECT id, email, name, country, region, status, created_at, seq FROM ceiling.accounts WHERE id = :acct FOR UPDATE;
SELECT * FROM ceiling.subscriptions WHERE id = :sub FOR UPDATE;
UPDATE ceiling.offers SET status = 'DECLINED', answered_at = now() WHERE subscription_id = :sub AND status = 'OPEN';
SELECT * FROM ceiling.charges WHERE id = :chg FOR UPDATE;
INSERT INTO ceiling.refunds (id, charge_id, account_id, amount, currency, status, reason, payment_method_id, created_at)
    VALUES ('rf_bench_' || :n::text, :chg, :acct, 1, 'EUR', 'PENDING', 'Money-back guarantee: cancelled within 30 days of the charge', :pm, now());
UPDATE ceiling.charges SET refunded_amount = refunded_amount, status = status WHERE id = :chg;
UPDATE ceiling.subscriptions SET status = 'CANCELLED', auto_renew = false, cancel_at = now(), cancelled_at = now(),
    scheduled_by = 'BENCH-' || :n::text, ended_at = now(), version = version + 1 WHERE id = :sub;
UPDATE ceiling.devices SET status = 'DEACTIVATED', deactivated_at = now() WHERE subscription_id = :sub AND status = 'ACTIVE';
INSERT INTO ceiling.cancellations (confirmation_number, account_id, subscription_id, status, mode, requested_at,
    effective_at, refund_total, currency, reason, feedback, channel, actor, created_at)
    VALUES ('BENCH-' || :n::text, :acct, :sub, 'EFFECTIVE', 'IMMEDIATE', now(), now(), 1, 'EUR', 'NOT_USING', NULL, 'API', 'api', now());
INSERT INTO ceiling.cancellation_items (confirmation_number, position, subscription_id, effective_at)
    VALUES ('BENCH-' || :n::text, 0, :sub, now());
INSERT INTO ceiling.cancellation_refunds (confirmation_number, refund_id) VALUES ('BENCH-' || :n::text, 'rf_bench_' || :n::text);
-- the receipt's row with the token of its page; signed once the refund is paid back (below)
INSERT INTO ceiling.receipts (confirmation_number, view_token_hash)
    VALUES ('BENCH-' || :n::text, sha256(:n::text::bytea));
INSERT INTO ceiling.notices (id, account_id, type, recipient, subject, body, related_id, created_at)
    VALUES ('ntc_bench_c' || :n::text, :acct, 'CANCELLATION_CONFIRMATION', 'bench@example.com', 'Your cancellation BENCH-' || :n::text,
            repeat('b', 900), 'BENCH-' || :n::text, now());
INSERT INTO ceiling.notices (id, account_id, type, recipient, subject, body, related_id, created_at)
    VALUES ('ntc_bench_r' || :n::text, :acct, 'REFUND_ISSUED', 'bench@example.com', 'Your refund', repeat('b', 500),
            'rf_bench_' || :n::text, now());
-- the cancellation's event with its subject's counter (refund.issued comes with the refund's settlement, below)
WITH counter AS (
    INSERT INTO ceiling.event_subject (subject_id, last_sequence) VALUES (:sub, 1)
    ON CONFLICT (subject_id) DO UPDATE SET last_sequence = ceiling.event_subject.last_sequence + 1
    RETURNING last_sequence)
INSERT INTO ceiling.domain_event (id, type, subject_id, sequence, account_id, data, created_at)
SELECT 'evt_bench_c' || :n::text, 'subscription.cancelled', :sub, counter.last_sequence, :acct, CAST(:cancelled AS jsonb), now()
FROM counter RETURNING position, sequence;
INSERT INTO ceiling.audit_events (at, actor, channel, action, target, entry_hash)
    VALUES (now(), 'api', 'API', 'POST /api/v1/subscriptions/' || :sub::text || '/cancel', '/api/v1/subscriptions/' || :sub::text || '/cancel',
            repeat('e', 64)) RETURNING id AS audit \gset
COMMIT;
BEGIN;
UPDATE ceiling.refunds SET status = 'SUCCEEDED', settled_at = now() WHERE id = 'rf_bench_' || :n::text AND status = 'PENDING';
WITH counter AS (
    INSERT INTO ceiling.event_subject (subject_id, last_sequence) VALUES (:sub, 1)
    ON CONFLICT (subject_id) DO UPDATE SET last_sequence = ceiling.event_subject.last_sequence + 1
    RETURNING last_sequence)
INSERT INTO ceiling.domain_event (id, type, subject_id, sequence, account_id, data, created_at)
SELECT 'evt_bench_r' || :n::text, 'refund.issued', :sub, counter.last_sequence, :acct, CAST(:refunded AS jsonb), now()
FROM counter RETURNING position, sequence;
INSERT INTO ceiling.sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at, kind)
    VALUES ('rf_bench_' || :n::text, 'tok', 1, 'EUR', 'SUCCEEDED', now(), 'REFUND')
    ON CONFLICT (idempotency_key) DO NOTHING;
UPDATE ceiling.receipts SET payload = repeat('p', 420), issued_at = now(), key_id = 'key-1', signature = repeat('s', 88)
    WHERE confirmation_number = 'BENCH-' || :n::text AND payload IS NULL;
-- the audit sequencer's seal of the entry after commit (in the server, several entries per statement and commit: here
-- it shares the settlement's commit rather than pay one of its own)
UPDATE ceiling.audit_events SET seq = :audit, prev_hash = repeat('p', 64), hash = repeat('h', 64) WHERE id = :audit;
COMMIT;
