-- Checkout (issue 12): what a buyer was shown before agreeing (disclosures) and the record of the agreement
-- (consents). Neither holds a name, email or address: the text is written by the server from the plan and the
-- rule table; a consent's client address and user agent are erased when the account closes (docs/RETENTION.md).
CREATE TABLE disclosures (
    id                     text PRIMARY KEY,
    seq                    bigint GENERATED ALWAYS AS IDENTITY,
    account_id             text NOT NULL REFERENCES accounts (id),
    plan_code              text NOT NULL REFERENCES plans (code),
    parent_subscription_id text,
    jurisdiction           text NOT NULL,
    text                   text NOT NULL,
    text_sha256            text NOT NULL CHECK (text_sha256 ~ '^[0-9a-f]{64}$'),
    price_amount           bigint NOT NULL CHECK (price_amount >= 0),
    renewal_price_amount   bigint NOT NULL CHECK (renewal_price_amount >= 0),
    currency               text NOT NULL,
    term                   text NOT NULL,
    trial_days             integer NOT NULL DEFAULT 0,
    first_charge_at        timestamptz NOT NULL,
    rules                  text[] NOT NULL,
    created_at             timestamptz NOT NULL,
    expires_at             timestamptz NOT NULL
);
CREATE INDEX disclosures_account ON disclosures (account_id);

CREATE TABLE consents (
    id              text PRIMARY KEY,
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id text NOT NULL UNIQUE REFERENCES subscriptions (id),
    account_id      text NOT NULL REFERENCES accounts (id),
    disclosure_id   text NOT NULL UNIQUE REFERENCES disclosures (id),
    text            text NOT NULL,
    text_sha256     text NOT NULL,
    method          text NOT NULL CHECK (method IN ('CHECKBOX', 'BUTTON', 'AGENT_RECORDED')),
    channel         text NOT NULL CHECK (channel IN ('API', 'CHECKOUT', 'AGENT')),
    accepted_at     timestamptz NOT NULL,
    ip_address      text,
    user_agent      text
);
CREATE INDEX consents_account ON consents (account_id, accepted_at DESC, seq DESC);
