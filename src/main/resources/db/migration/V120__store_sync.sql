-- Store sync (module stores): App Store Server Notifications V2 and Google Play RTDN.

-- The token Subdesk gives each account for the vendor's app to set as the App Store's appAccountToken and
-- Google Play's obfuscatedExternalAccountId: the stores report it back with every purchase.
CREATE TABLE store_account_tokens (
    account_id text PRIMARY KEY REFERENCES accounts (id),
    token      uuid NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- One purchase at a store (App Store originalTransactionId, Google Play purchase token) and the subscription it bills.
CREATE TABLE store_purchases (
    store           text NOT NULL CHECK (store IN ('APP_STORE', 'GOOGLE_PLAY')),
    purchase_id     text NOT NULL,
    account_id      text REFERENCES accounts (id),
    subscription_id text REFERENCES subscriptions (id),
    product_id      text NOT NULL,
    store_state     text NOT NULL,
    refunded_at     timestamptz,
    case_number     text,
    last_signed_at  timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (store, purchase_id)
);
CREATE INDEX store_purchases_subscription_idx ON store_purchases (subscription_id);

-- Every notification received, once: a repeated id changes nothing.
CREATE TABLE store_notifications (
    store           text NOT NULL,
    notification_id text NOT NULL,
    type            text NOT NULL,
    subtype         text,
    signed_at       timestamptz NOT NULL,
    purchase_id     text,
    outcome         text NOT NULL,
    received_at     timestamptz NOT NULL,
    PRIMARY KEY (store, notification_id)
);

-- A store purchase whose account token matches no account opens a case that belongs to no account yet.
ALTER TABLE support_cases ALTER COLUMN account_id DROP NOT NULL;
