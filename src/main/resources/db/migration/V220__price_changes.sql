-- Price changes (issue 12). The vendor schedules a new price for a plan from an instant on; new purchases from
-- then on pay it, and existing subscribers either move to it at their first renewal after it (each after a
-- PRICE_CHANGE notice the rule table's days ahead, and with their consent where their jurisdiction requires it)
-- or keep their price (GRANDFATHER). Subscriptions keep their own price until the change applies to them.
CREATE TABLE plan_price_changes (
    id                    text PRIMARY KEY,
    plan_code             text        NOT NULL REFERENCES plans (code),
    price_amount          bigint      NOT NULL CHECK (price_amount >= 0),
    currency              text        NOT NULL,
    effective_from        timestamptz NOT NULL,
    existing_subscribers  text        NOT NULL CHECK (existing_subscribers IN ('MOVE', 'GRANDFATHER')),
    created_at            timestamptz NOT NULL,
    created_by            text        NOT NULL,
    UNIQUE (plan_code, effective_from)
);

-- One row per subscription and price change: the PRICE_CHANGE notice went out (at most once: the primary key),
-- from which renewal the new price applies, the customer's consent where it is required, and the outcome.
CREATE TABLE subscription_price_changes (
    subscription_id   text        NOT NULL REFERENCES subscriptions (id),
    price_change_id   text        NOT NULL REFERENCES plan_price_changes (id),
    old_amount        bigint      NOT NULL,
    new_amount        bigint      NOT NULL,
    currency          text        NOT NULL,
    renewal_at        timestamptz NOT NULL,
    notice_sent_at    timestamptz NOT NULL,
    consent_required  boolean     NOT NULL,
    consented_at      timestamptz,
    consent_channel   text CHECK (consent_channel IN ('API', 'PORTAL', 'AGENT')),
    status            text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPLIED', 'ENDED')),
    resolved_at       timestamptz,
    PRIMARY KEY (subscription_id, price_change_id),
    CHECK ((consented_at IS NULL) = (consent_channel IS NULL))
);

CREATE INDEX subscription_price_changes_pending_idx ON subscription_price_changes (renewal_at)
    WHERE status = 'PENDING' AND consent_required AND consented_at IS NULL;
