-- The PostgreSQL-only ceiling (bench/run-cancel-ceiling.sh): copies of the tables one cancellation touches,
-- with their columns, defaults, CHECK constraints and indexes (CREATE TABLE ... LIKE ... INCLUDING ALL; no
-- foreign keys; domain_event keeps its webhook fan-out trigger, which queues nothing while no endpoint is enabled), filled with the accounts, subscriptions and charges the HTTP bench seeded, so pgbench writes
-- the same rows into tables of the same shape and size without disturbing the application's own.
DROP SCHEMA IF EXISTS ceiling CASCADE;
CREATE SCHEMA ceiling;
CREATE TABLE ceiling.accounts (LIKE public.accounts INCLUDING ALL);
CREATE TABLE ceiling.subscriptions (LIKE public.subscriptions INCLUDING ALL);
CREATE TABLE ceiling.charges (LIKE public.charges INCLUDING ALL);
CREATE TABLE ceiling.refunds (LIKE public.refunds INCLUDING ALL);
CREATE TABLE ceiling.offers (LIKE public.offers INCLUDING ALL);
CREATE TABLE ceiling.devices (LIKE public.devices INCLUDING ALL);
CREATE TABLE ceiling.cancellations (LIKE public.cancellations INCLUDING ALL);
CREATE TABLE ceiling.cancellation_items (LIKE public.cancellation_items INCLUDING ALL);
CREATE TABLE ceiling.cancellation_refunds (LIKE public.cancellation_refunds INCLUDING ALL);
CREATE TABLE ceiling.receipts (LIKE public.receipts INCLUDING ALL);
CREATE TABLE ceiling.notices (LIKE public.notices INCLUDING ALL);
CREATE TABLE ceiling.audit_events (LIKE public.audit_events INCLUDING ALL);
CREATE TABLE ceiling.sandbox_gateway_payments (LIKE public.sandbox_gateway_payments INCLUDING ALL);
CREATE TABLE ceiling.event_subject (LIKE public.event_subject INCLUDING ALL);
CREATE TABLE ceiling.domain_event (LIKE public.domain_event INCLUDING ALL);
CREATE TRIGGER domain_event_webhook_fanout AFTER INSERT ON ceiling.domain_event
    REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION public.webhook_fanout_enqueue();
INSERT INTO ceiling.accounts OVERRIDING SYSTEM VALUE SELECT * FROM public.accounts;
INSERT INTO ceiling.subscriptions OVERRIDING SYSTEM VALUE SELECT * FROM public.subscriptions;
INSERT INTO ceiling.charges OVERRIDING SYSTEM VALUE SELECT * FROM public.charges;
INSERT INTO ceiling.refunds OVERRIDING SYSTEM VALUE SELECT * FROM public.refunds;
INSERT INTO ceiling.offers OVERRIDING SYSTEM VALUE SELECT * FROM public.offers;
INSERT INTO ceiling.devices OVERRIDING SYSTEM VALUE SELECT * FROM public.devices;
INSERT INTO ceiling.cancellations OVERRIDING SYSTEM VALUE SELECT * FROM public.cancellations;
INSERT INTO ceiling.cancellation_items SELECT * FROM public.cancellation_items;
INSERT INTO ceiling.cancellation_refunds SELECT * FROM public.cancellation_refunds;
INSERT INTO ceiling.receipts SELECT * FROM public.receipts;
INSERT INTO ceiling.notices OVERRIDING SYSTEM VALUE SELECT * FROM public.notices;
INSERT INTO ceiling.audit_events OVERRIDING SYSTEM VALUE SELECT * FROM public.audit_events;
INSERT INTO ceiling.sandbox_gateway_payments SELECT * FROM public.sandbox_gateway_payments;
INSERT INTO ceiling.event_subject SELECT * FROM public.event_subject;
INSERT INTO ceiling.domain_event OVERRIDING SYSTEM VALUE SELECT * FROM public.domain_event;
-- The events an IMMEDIATE cancellation with a refund appends, as the HTTP run wrote them (their data is the API's view
-- of the subscription and of the refund): pgbench appends copies of these.
CREATE TABLE ceiling.event_samples AS
    SELECT DISTINCT ON (type) type, data::text AS data FROM public.domain_event
    WHERE type IN ('subscription.cancelled', 'refund.issued') ORDER BY type, position DESC;
-- The copies' identity columns continue after the rows copied.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = 'ceiling' AND is_identity = 'YES' LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), coalesce(max(%I), 0) + 1, false) FROM ceiling.%I',
                       'ceiling.' || c.table_name, c.column_name, c.column_name, c.table_name);
    END LOOP;
END $$;
-- What each pgbench transaction cancels: k -> a subscription with its account and latest charge. One sort of the
-- charges, not a look-up per subscription: charges has no plain index on subscription_id any more (only the partial
-- unique one of successful periods), so a lateral look-up scanned the whole table once per subscription (44,000 x
-- 44,000 rows: over 15 minutes).
CREATE TABLE ceiling.work AS
    SELECT row_number() OVER (ORDER BY subscription_id)::int AS k, subscription_id, account_id, charge_id,
           payment_method_id
    FROM (SELECT DISTINCT ON (c.subscription_id) c.subscription_id, s.account_id, c.id AS charge_id, c.payment_method_id
          FROM ceiling.charges c JOIN ceiling.subscriptions s ON s.id = c.subscription_id
          ORDER BY c.subscription_id, c.created_at DESC) latest;
ALTER TABLE ceiling.work ADD PRIMARY KEY (k);
CREATE SEQUENCE ceiling.numbers;
ANALYZE;
