-- A subscription has ended (CANCELLED or EXPIRED) exactly when it records when (ended_at): the consent retention
-- counts from it, so an end written without it would keep its consent's evidence for ever, and a live subscription
-- with one could lose it. NOT VALID here (a short lock, no read of the table); V405 checks the rows V403 filled in.
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_ended_at_check
    CHECK ((status IN ('CANCELLED', 'EXPIRED')) = (ended_at IS NOT NULL)) NOT VALID;
