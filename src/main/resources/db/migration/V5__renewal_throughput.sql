-- Room on each page for HOT updates of the lease column while a batch is with the gateway.
ALTER TABLE subscriptions SET (fillfactor = 80);

-- Where a charge came from. Purchases and renewals are recorded only while their subscription is still
-- renewable, so only charges from elsewhere (imports, store sync) can break invariant 1: the sweep looks at those.
ALTER TABLE charges ADD COLUMN origin text NOT NULL DEFAULT 'IMPORT'
    CHECK (origin IN ('PURCHASE', 'RENEWAL', 'IMPORT'));
CREATE INDEX charges_imported_idx ON charges (seq) WHERE origin = 'IMPORT';

-- The closing lines of every notice (how to cancel, official support channels), stored once per wording.
CREATE TABLE notice_footers (
    id    int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text  text NOT NULL UNIQUE
);
ALTER TABLE notices ADD COLUMN footer_id int REFERENCES notice_footers (id);

-- Fewer index writes per renewal: most subscriptions have no parent, and the partial unique index on
-- (subscription_id, period_start) already serves every look-up of a subscription's charges.
DROP INDEX subscriptions_parent_idx;
CREATE INDEX subscriptions_parent_idx ON subscriptions (parent_id) WHERE parent_id IS NOT NULL;
DROP INDEX charges_subscription_idx;
