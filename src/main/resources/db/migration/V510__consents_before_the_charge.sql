-- A purchase's consent is written before its card is charged (checkout.Consents.accept), in the transaction that
-- checks it and holds its disclosure, so that what the buyer accepted, how, when and from where is durable while the
-- money moves: status PENDING, subscription_id NULL, purchase_id the id the subscription will have. The purchase's
-- record links it to the subscription (COMPLETED) in the subscription's own transaction; a purchase that made nothing
-- marks it ABANDONED (and so does checkout.UnfinishedCheckouts, a day after an acceptance whose node stopped before
-- its record). Only COMPLETED ones are consent records of a sale (the API's lists, the console export). Rows written
-- before V510 are all COMPLETED. The checks are NOT VALID here (a short lock, no read of the table): V514_2 checks
-- the existing rows; the uniqueness of a disclosure's consent moves to COMPLETED ones (V511, V514_2) so that an
-- attempt that sold nothing does not keep its disclosure from backing the buyer's next try.
-- The ALTER waits for the table's ACCESS EXCLUSIVE lock; every purchase would queue behind it while a long query
-- holds the table: give up after 10 s instead (the start fails; start again).
SET LOCAL lock_timeout = '10s';
ALTER TABLE consents
    ALTER COLUMN subscription_id DROP NOT NULL,
    ADD COLUMN purchase_id text,
    ADD COLUMN status text NOT NULL DEFAULT 'COMPLETED',
    ADD CONSTRAINT consents_status_check CHECK (status IN ('PENDING', 'COMPLETED', 'ABANDONED')) NOT VALID,
    ADD CONSTRAINT consents_completed_sale_check
        CHECK ((status = 'COMPLETED') = (subscription_id IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT consents_purchase_check CHECK (status = 'COMPLETED' OR purchase_id IS NOT NULL) NOT VALID;
