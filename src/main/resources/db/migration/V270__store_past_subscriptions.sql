-- A store purchase that comes back after its subscription ended (a resubscription under the same App Store
-- originalTransactionId) bills a new subscription; store_purchases then names the new one. The ended one keeps
-- here the store's last word about it: its state and, above all, its refund, which must neither follow the purchase
-- to the new subscription nor vanish from the old one.
CREATE TABLE store_past_subscriptions (
    subscription_id text PRIMARY KEY REFERENCES subscriptions (id),
    store           text NOT NULL,
    purchase_id     text NOT NULL,
    product_id      text NOT NULL,
    store_state     text NOT NULL,
    refunded_at     timestamptz,
    moved_at        timestamptz NOT NULL,
    FOREIGN KEY (store, purchase_id) REFERENCES store_purchases (store, purchase_id)
);
