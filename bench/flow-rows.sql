-- The whole quote + IMMEDIATE cancellation with a money-back refund as the server runs it, by SQL alone, in the
-- application's own tables (foreign keys, triggers and all), to set beside the HTTP run (bench/run-cancel-ceiling.sh,
-- "the flow by SQL alone"): the statements the probe lists, in the server's order and transactions. The quote's
-- transaction (reads, the retention offer, its audit entry), the cancel's, the gateway's refund (its own transaction,
-- committed without waiting for the disk, as the sandbox gateway does) and the refund's settlement. The audit entries
-- are sealed by the server's own sealer, as in the HTTP run: each carries its own hash, as AuditTrail computes it for
-- an entry of a whole second (chr(58) is the colon, which pgbench would take for a variable). Keys are random over the
-- seeded subscriptions (-D rows=N, ceiling.work); written values have the size of the real ones.
-- Kept by hand: when the server's SQL for the quote or the cancel changes, change it here too. The probe of
-- run-cancel-ceiling.sh lists the server's statements: 5 for the quote, 10 for the cancel's transaction, 1 for the
-- gateway's, 4 for the settlement's, without BEGIN and COMMIT; so does this script.
\set k random(1, :rows)
SELECT subscription_id AS sub, account_id AS acct, charge_id AS chg, payment_method_id AS pm,
       nextval('ceiling.numbers') AS n,
       (SELECT data FROM ceiling.event_samples WHERE type = 'subscription.cancelled') AS cancelled,
       (SELECT data FROM ceiling.event_samples WHERE type = 'refund.issued') AS refunded,
       (SELECT key_id FROM public.receipt_keys ORDER BY created_at DESC, key_id LIMIT 1) AS receipt_key
FROM ceiling.work WHERE k = :k \gset
-- the quote
BEGIN;
-- the subscription, its add-ons and their holder's account in one read (JdbcSubscriptionRepository.withAddOnsAndHolder)
SELECT s.id, s.account_id, s.plan_code, s.order_number, s.channel, s.status, s.auto_renew, s.term, s.anchor,
       s.period_index, s.current_period_start, s.current_period_end, s.cancel_at, s.cancelled_at, s.scheduled_by,
       s.parent_id, s.payment_method_id, s.price_amount, s.currency, s.device_limit, s.created_at, s.seq,
       a.id AS holder_id, a.email AS holder_email, a.name AS holder_name, a.country AS holder_country,
       a.region AS holder_region, a.status AS holder_status, a.created_at AS holder_created_at, a.seq AS holder_seq
FROM subscriptions s JOIN accounts a ON a.id = s.account_id WHERE s.id = :sub OR s.parent_id = :sub
ORDER BY s.id <> :sub, s.created_at, s.seq;
-- the price at the next renewal: pending price changes with every plan price change in one statement
-- (SubscriptionPriceChanges.PENDING_WITH_EVERY_CHANGE)
SELECT c.id, c.plan_code, c.price_amount, c.currency, c.effective_from, c.existing_subscribers, c.created_at,
       c.created_by, p.subscription_id AS p_subscription_id, p.price_change_id AS p_price_change_id,
       p.old_amount AS p_old_amount, p.new_amount AS p_new_amount, p.currency AS p_currency,
       p.renewal_at AS p_renewal_at, p.notice_sent_at AS p_notice_sent_at,
       p.consent_required AS p_consent_required, p.consented_at AS p_consented_at,
       p.consent_channel AS p_consent_channel, p.status AS p_status
FROM plan_price_changes c LEFT JOIN subscription_price_changes p
  ON p.price_change_id = c.id AND p.subscription_id = ANY(ARRAY[:sub]::text[]) AND p.status = 'PENDING'
ORDER BY c.effective_from DESC, p.notice_sent_at DESC NULLS LAST, c.id;
SELECT id, account_id, subscription_id, amount, currency, status, period_start, period_end, created_at, refunded_amount,
       payment_method_id, seq
FROM charges WHERE subscription_id = :sub AND status <> 'FAILED' ORDER BY created_at DESC, seq DESC LIMIT 1;
-- a new offer each time (the server makes one per term): its period_start is this transaction's clock
INSERT INTO offers (id, subscription_id, period_start, kind, description, discounted_price, status, expires_at, created_at)
    VALUES ('ofr_bench_' || :n::text, :sub, clock_timestamp(), 'DISCOUNT',
            'Stay with us: your next renewal at 75% of the price', 4499, 'OPEN', now() + interval '7 days', now())
    ON CONFLICT (subscription_id, period_start) DO NOTHING
    RETURNING id, subscription_id, kind, description, expires_at, status, discounted_price;
INSERT INTO audit_events (at, actor, channel, action, target, detail, status, case_number, reason, entry_hash)
SELECT e.at, 'api', 'API', e.action, e.target, NULL, 200, NULL, NULL,
       encode(sha256(convert_to(concat_ws('|', replace(to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS"Z"'), '.', chr(58)), 'api', 'API',
                                          e.action, e.target, 'null', '200', 'null', 'null'), 'UTF8')), 'hex')
FROM (SELECT date_trunc('second', now()) AS at, 'POST /api/v1/subscriptions/' || :sub::text || '/cancellation-quote' AS action,
             '/api/v1/subscriptions/' || :sub::text || '/cancellation-quote' AS target) e
RETURNING id;
COMMIT;
-- the cancel
BEGIN;
SELECT id, email, name, country, region, status, created_at, seq FROM accounts
WHERE id = (SELECT account_id FROM subscriptions WHERE id = :sub) FOR UPDATE;
SELECT id, account_id, plan_code, order_number, channel, status, auto_renew, term, anchor, period_index,
       current_period_start, current_period_end, cancel_at, cancelled_at, scheduled_by, parent_id, payment_method_id,
       price_amount, currency, device_limit, created_at, seq
FROM subscriptions WHERE id = :sub OR parent_id = :sub ORDER BY id <> :sub, created_at, seq FOR UPDATE;
SELECT c.id, c.account_id, c.subscription_id, c.amount, c.currency, c.status, c.period_start, c.period_end, c.created_at,
       c.refunded_amount, c.payment_method_id, c.seq, p.brand, p.last4
FROM charges c LEFT JOIN payment_methods p ON p.id = c.payment_method_id
WHERE c.id = (SELECT id FROM charges WHERE subscription_id = :sub AND status <> 'FAILED'
              ORDER BY created_at DESC, seq DESC LIMIT 1) FOR UPDATE OF c;
WITH charge AS (UPDATE charges SET refunded_amount = refunded_amount, status = status WHERE id = :chg RETURNING id)
INSERT INTO refunds (id, charge_id, account_id, amount, currency, status, reason, payment_method_id, created_at)
SELECT 'rf_bench_' || :n::text, charge.id, :acct, 1, 'EUR', 'PENDING',
       'Money-back guarantee: cancelled within 30 days of the charge', :pm, now() FROM charge
RETURNING (SELECT p.gateway_token FROM payment_methods p WHERE p.id = refunds.payment_method_id);
WITH made AS (
    INSERT INTO cancellations (confirmation_number, account_id, subscription_id, status, mode, requested_at,
        effective_at, refund_total, currency, reason, feedback, channel, actor, created_at)
    VALUES ('BENCH-' || :n::text, :acct, :sub, 'EFFECTIVE', 'IMMEDIATE', now(), now(), 1, 'EUR', 'NOT_USING', NULL,
            'API', 'api', now())
    ON CONFLICT (confirmation_number) DO NOTHING RETURNING confirmation_number),
items AS (
    INSERT INTO cancellation_items (confirmation_number, position, subscription_id, effective_at)
    SELECT made.confirmation_number, item.position - 1, item.subscription_id, item.effective_at
    FROM made, unnest(ARRAY[:sub]::text[], ARRAY[now()]::timestamptz[]) WITH ORDINALITY AS item (subscription_id, effective_at, position)),
receipt AS (
    INSERT INTO receipts (confirmation_number, payload, issued_at, key_id, signature, view_token_hash)
    SELECT made.confirmation_number, NULL, NULL, NULL, NULL, sha256(:n::text::bytea) FROM made),
links AS (
    INSERT INTO cancellation_refunds (confirmation_number, refund_id)
    SELECT made.confirmation_number, refund.id FROM made, unnest(ARRAY['rf_bench_' || :n::text]::text[]) AS refund (id)),
declined AS (
    UPDATE offers SET status = 'DECLINED', answered_at = now() WHERE subscription_id = :sub AND status = 'OPEN')
SELECT count(*) FROM made;
UPDATE subscriptions SET status = 'CANCELLED', auto_renew = false, period_index = period_index,
    current_period_start = current_period_start, current_period_end = current_period_end, cancel_at = now(),
    cancelled_at = now(), scheduled_by = 'BENCH-' || :n::text, payment_method_id = payment_method_id,
    price_amount = price_amount, ended_at = now(), version = version + 1
WHERE id = :sub;
UPDATE devices SET status = 'DEACTIVATED', deactivated_at = now() WHERE subscription_id = :sub AND status = 'ACTIVE'
    RETURNING id, account_id, name, platform, status, subscription_id, created_at, seq;
WITH counter AS (
    INSERT INTO event_subject (subject_id, last_sequence) VALUES (:sub, 1)
    ON CONFLICT (subject_id) DO UPDATE SET last_sequence = event_subject.last_sequence + 1
    RETURNING last_sequence)
INSERT INTO domain_event (id, type, subject_id, sequence, account_id, data, created_at)
SELECT 'evt_bench_c' || :n::text, 'subscription.cancelled', :sub, counter.last_sequence, :acct, CAST(:cancelled AS json), now()
FROM counter RETURNING position, sequence;
INSERT INTO notices (id, account_id, type, recipient, subject, body, related_id, created_at, footer_id)
    VALUES ('ntc_bench_c' || :n::text, :acct, 'CANCELLATION_CONFIRMATION', 'bench@example.com',
            'Your cancellation BENCH-' || :n::text, repeat('b', 900), 'BENCH-' || :n::text, now(), NULL)
    ON CONFLICT DO NOTHING RETURNING id;
INSERT INTO audit_events (at, actor, channel, action, target, detail, status, case_number, reason, entry_hash)
SELECT e.at, 'api', 'API', e.action, e.target, NULL, 200, NULL, NULL,
       encode(sha256(convert_to(concat_ws('|', replace(to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24.MI.SS"Z"'), '.', chr(58)), 'api', 'API',
                                          e.action, e.target, 'null', '200', 'null', 'null'), 'UTF8')), 'hex')
FROM (SELECT date_trunc('second', now()) AS at, 'POST /api/v1/subscriptions/' || :sub::text || '/cancel' AS action,
             '/api/v1/subscriptions/' || :sub::text || '/cancel' AS target) e
RETURNING id;
COMMIT;
-- the gateway's refund: the sandbox gateway's ledger row, committed without waiting for the disk
BEGIN;
WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true))
INSERT INTO sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at, kind)
SELECT 'rf_bench_' || :n::text, 'tok_visa', 1, 'EUR', 'succeeded', now(), 'REFUND' FROM no_wait
ON CONFLICT (idempotency_key) DO NOTHING;
COMMIT;
-- the refund's settlement, with refund.issued, its notice and the receipt's signature
BEGIN;
UPDATE refunds r SET status = 'SUCCEEDED', settled_at = now() FROM charges c
WHERE r.id = 'rf_bench_' || :n::text AND r.status = 'PENDING' AND c.id = r.charge_id
RETURNING r.id, r.charge_id, r.amount, r.currency, r.status, r.reason, r.created_at, c.subscription_id, c.account_id;
WITH counter AS (
    INSERT INTO event_subject (subject_id, last_sequence) VALUES (:sub, 1)
    ON CONFLICT (subject_id) DO UPDATE SET last_sequence = event_subject.last_sequence + 1
    RETURNING last_sequence)
INSERT INTO domain_event (id, type, subject_id, sequence, account_id, data, created_at)
SELECT 'evt_bench_r' || :n::text, 'refund.issued', :sub, counter.last_sequence, :acct, CAST(:refunded AS json), now()
FROM counter RETURNING position, sequence;
INSERT INTO notices (id, account_id, type, recipient, subject, body, related_id, created_at, footer_id)
    VALUES ('ntc_bench_r' || :n::text, :acct, 'REFUND_ISSUED', 'bench@example.com', 'Your refund', repeat('b', 500),
            'rf_bench_' || :n::text, now(), NULL)
    ON CONFLICT DO NOTHING RETURNING id;
UPDATE receipts SET payload = repeat('p', 420), issued_at = now(), key_id = :receipt_key, signature = repeat('s', 88)
    WHERE confirmation_number = 'BENCH-' || :n::text AND payload IS NULL;
COMMIT;
