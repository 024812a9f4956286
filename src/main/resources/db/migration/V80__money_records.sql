-- DESIGN invariant 11: no money moves without a record written first.

-- A refund is recorded PENDING and committed before the gateway is asked to move the money (with the refund id
-- as its idempotency key), then marked SUCCEEDED. The sweep finishes any refund left PENDING.
ALTER TABLE refunds ADD COLUMN settled_at timestamptz;
ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('PENDING', 'SUCCEEDED'));
CREATE INDEX refunds_pending_idx ON refunds (created_at) WHERE status = 'PENDING';

-- A purchase charge is recorded as an attempt before the gateway call. COMPLETED: the subscription and its charge
-- were recorded; DECLINED: the card was declined; REVERSING/REVERSED: the money taken went back because the purchase
-- was never recorded (the customer was told nothing was charged, or got no answer); VOID: the gateway never took it.
CREATE TABLE purchase_attempts (
    gateway_key       text PRIMARY KEY,
    account_id        text NOT NULL REFERENCES accounts (id),
    subscription_id   text NOT NULL,
    payment_method_id text NOT NULL REFERENCES payment_methods (id),
    amount            bigint NOT NULL CHECK (amount > 0),
    currency          text NOT NULL,
    status            text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'DECLINED', 'REVERSING', 'REVERSED', 'VOID')),
    created_at        timestamptz NOT NULL,
    settled_at        timestamptz
);
CREATE INDEX purchase_attempts_open_idx ON purchase_attempts (created_at) WHERE status IN ('PENDING', 'REVERSING');

-- The sandbox gateway's ledger keeps refunds too, by their idempotency key.
ALTER TABLE sandbox_gateway_payments ADD COLUMN kind text NOT NULL DEFAULT 'CHARGE' CHECK (kind IN ('CHARGE', 'REFUND'));
