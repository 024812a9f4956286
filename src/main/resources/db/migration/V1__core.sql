-- Subdesk core schema. Money is bigint minor units with a currency; instants are timestamptz (UTC).
-- Every listed table has a seq column: lists are ordered by (created_at DESC, seq DESC).

CREATE TABLE plans (
    code             text PRIMARY KEY,
    name             text    NOT NULL,
    products         text[]  NOT NULL,
    term             text    NOT NULL CHECK (term IN ('P1M', 'P1Y')),
    price_amount     bigint  NOT NULL CHECK (price_amount >= 0),
    currency         text    NOT NULL,
    device_limit     int     NOT NULL CHECK (device_limit >= 0),
    money_back_days  int     NOT NULL CHECK (money_back_days >= 0),
    add_on_to        text[]  NOT NULL DEFAULT '{}',
    position         int     NOT NULL UNIQUE
);

CREATE TABLE accounts (
    id          text PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    email       text NOT NULL,
    name        text NOT NULL,
    country     text NOT NULL,
    region      text,
    status      text NOT NULL CHECK (status IN ('ACTIVE', 'CLOSED')),
    created_at  timestamptz NOT NULL,
    closed_at   timestamptz
);
CREATE UNIQUE INDEX accounts_email_uq ON accounts (lower(email));

CREATE TABLE payment_methods (
    id           text PRIMARY KEY,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    account_id   text NOT NULL REFERENCES accounts (id),
    gateway_token text NOT NULL,
    brand        text NOT NULL,
    last4        text NOT NULL,
    exp_month    int  NOT NULL,
    exp_year     int  NOT NULL,
    is_default   boolean NOT NULL,
    created_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);
CREATE INDEX payment_methods_account_idx ON payment_methods (account_id);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (account_id) WHERE is_default AND deleted_at IS NULL;

CREATE TABLE subscriptions (
    id                   text PRIMARY KEY,
    seq                  bigint GENERATED ALWAYS AS IDENTITY,
    account_id           text NOT NULL REFERENCES accounts (id),
    plan_code            text NOT NULL REFERENCES plans (code),
    order_number         text NOT NULL UNIQUE,
    channel              text NOT NULL CHECK (channel IN ('DIRECT', 'APP_STORE', 'GOOGLE_PLAY')),
    status               text NOT NULL CHECK (status IN ('ACTIVE', 'PAST_DUE', 'CANCELLED', 'EXPIRED')),
    auto_renew           boolean NOT NULL,
    term                 text NOT NULL,
    anchor               timestamptz NOT NULL,
    period_index         int NOT NULL,
    current_period_start timestamptz NOT NULL,
    current_period_end   timestamptz NOT NULL,
    cancel_at            timestamptz,
    cancelled_at         timestamptz,
    scheduled_by         text,
    parent_id            text REFERENCES subscriptions (id),
    payment_method_id    text REFERENCES payment_methods (id),
    price_amount         bigint NOT NULL CHECK (price_amount >= 0),
    currency             text NOT NULL,
    device_limit         int NOT NULL,
    created_at           timestamptz NOT NULL,
    ended_at             timestamptz,
    version              int NOT NULL DEFAULT 0
);
CREATE INDEX subscriptions_account_idx ON subscriptions (account_id);
CREATE INDEX subscriptions_parent_idx ON subscriptions (parent_id);
CREATE INDEX subscriptions_cancel_due_idx ON subscriptions (cancel_at) WHERE status IN ('ACTIVE', 'PAST_DUE') AND cancel_at IS NOT NULL;
CREATE INDEX subscriptions_renewal_due_idx ON subscriptions (current_period_end) WHERE status IN ('ACTIVE', 'PAST_DUE');

CREATE TABLE devices (
    id               text PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    account_id       text NOT NULL REFERENCES accounts (id),
    name             text NOT NULL,
    platform         text NOT NULL,
    status           text NOT NULL CHECK (status IN ('ACTIVE', 'DEACTIVATED')),
    subscription_id  text REFERENCES subscriptions (id),
    created_at       timestamptz NOT NULL,
    deactivated_at   timestamptz,
    deleted_at       timestamptz
);
CREATE INDEX devices_account_idx ON devices (account_id);
CREATE INDEX devices_subscription_idx ON devices (subscription_id) WHERE status = 'ACTIVE';

CREATE TABLE charges (
    id                 text PRIMARY KEY,
    seq                bigint GENERATED ALWAYS AS IDENTITY,
    account_id         text NOT NULL REFERENCES accounts (id),
    subscription_id    text NOT NULL,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL,
    status             text NOT NULL CHECK (status IN ('SUCCEEDED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED')),
    period_start       timestamptz NOT NULL,
    period_end         timestamptz NOT NULL,
    refunded_amount    bigint NOT NULL DEFAULT 0,
    payment_method_id  text NOT NULL REFERENCES payment_methods (id),
    gateway_key        text NOT NULL,
    failure_code       text,
    created_at         timestamptz NOT NULL,
    CHECK (refunded_amount >= 0 AND refunded_amount <= amount)
);
-- Invariant 2: at most one successful charge per subscription and period.
CREATE UNIQUE INDEX charges_one_success_per_period ON charges (subscription_id, period_start) WHERE status <> 'FAILED';
CREATE INDEX charges_account_idx ON charges (account_id);
CREATE INDEX charges_subscription_idx ON charges (subscription_id);

CREATE TABLE refunds (
    id           text PRIMARY KEY,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    charge_id    text NOT NULL REFERENCES charges (id),
    account_id   text NOT NULL REFERENCES accounts (id),
    amount       bigint NOT NULL CHECK (amount > 0),
    currency     text NOT NULL,
    status       text NOT NULL,
    reason       text NOT NULL,
    payment_method_id text NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX refunds_charge_idx ON refunds (charge_id);

-- The sandbox payment gateway's own ledger: one row per gateway idempotency key.
CREATE TABLE sandbox_gateway_payments (
    idempotency_key text PRIMARY KEY,
    gateway_token   text NOT NULL,
    amount          bigint NOT NULL,
    currency        text NOT NULL,
    outcome         text NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE cancellations (
    confirmation_number text PRIMARY KEY,
    seq                 bigint GENERATED ALWAYS AS IDENTITY,
    account_id          text NOT NULL REFERENCES accounts (id),
    subscription_id     text NOT NULL REFERENCES subscriptions (id),
    status              text NOT NULL CHECK (status IN ('SCHEDULED', 'EFFECTIVE', 'REVOKED', 'SUPERSEDED')),
    mode                text NOT NULL CHECK (mode IN ('IMMEDIATE', 'END_OF_TERM')),
    requested_at        timestamptz NOT NULL,
    effective_at        timestamptz NOT NULL,
    refund_total        bigint NOT NULL,
    currency            text NOT NULL,
    reason              text,
    feedback            text,
    channel             text NOT NULL CHECK (channel IN ('API', 'PORTAL', 'AGENT', 'SYSTEM')),
    actor               text NOT NULL,
    created_at          timestamptz NOT NULL
);
CREATE INDEX cancellations_subscription_idx ON cancellations (subscription_id);

CREATE TABLE cancellation_items (
    confirmation_number text NOT NULL REFERENCES cancellations (confirmation_number),
    position            int  NOT NULL,
    subscription_id     text NOT NULL REFERENCES subscriptions (id),
    effective_at        timestamptz NOT NULL,
    PRIMARY KEY (confirmation_number, position)
);
CREATE INDEX cancellation_items_subscription_idx ON cancellation_items (subscription_id);

CREATE TABLE cancellation_refunds (
    confirmation_number text NOT NULL REFERENCES cancellations (confirmation_number),
    refund_id           text NOT NULL REFERENCES refunds (id),
    PRIMARY KEY (confirmation_number, refund_id)
);

CREATE TABLE receipt_keys (
    key_id       text PRIMARY KEY,
    private_key  bytea NOT NULL,
    public_key   bytea NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE receipts (
    confirmation_number text PRIMARY KEY REFERENCES cancellations (confirmation_number),
    payload             text NOT NULL,
    issued_at           timestamptz NOT NULL,
    key_id              text NOT NULL REFERENCES receipt_keys (key_id),
    signature           text NOT NULL
);

CREATE TABLE offers (
    id               text PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id  text NOT NULL REFERENCES subscriptions (id),
    period_start     timestamptz NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('DISCOUNT', 'PAUSE', 'DOWNGRADE')),
    description      text NOT NULL,
    discounted_price bigint,
    status           text NOT NULL CHECK (status IN ('OPEN', 'ACCEPTED', 'DECLINED')),
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    answered_at      timestamptz
);
-- At most one retention offer per subscription and term.
CREATE UNIQUE INDEX offers_one_per_term ON offers (subscription_id, period_start);

CREATE TABLE notices (
    id          text PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    account_id  text NOT NULL REFERENCES accounts (id),
    type        text NOT NULL,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    body        text,
    related_id  text NOT NULL,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz
);
CREATE INDEX notices_account_idx ON notices (account_id);
CREATE INDEX notices_unsent_idx ON notices (seq) WHERE sent_at IS NULL AND body IS NOT NULL;

CREATE TABLE support_cases (
    case_number  text PRIMARY KEY,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    account_id   text NOT NULL REFERENCES accounts (id),
    status       text NOT NULL CHECK (status IN ('OPEN', 'PENDING_CUSTOMER', 'ESCALATED', 'RESOLVED')),
    subject      text NOT NULL,
    channel      text NOT NULL,
    charge_id    text,
    detail       text,
    created_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX support_cases_open_dispute ON support_cases (charge_id) WHERE charge_id IS NOT NULL AND status <> 'RESOLVED';

CREATE TABLE idempotency_keys (
    scope            text NOT NULL,
    key              text NOT NULL,
    fingerprint      text NOT NULL,
    response_status  int  NOT NULL,
    response_type    text,
    response_body    bytea NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    channel     text NOT NULL,
    action      text NOT NULL,
    target      text NOT NULL,
    detail      text
);
CREATE INDEX audit_events_target_idx ON audit_events (target);
