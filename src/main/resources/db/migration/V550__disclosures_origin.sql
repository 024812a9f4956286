-- Where a disclosure was written: 'CHECKOUT' by the hosted checkout page (Disclosures.shown), 'API' by
-- POST /checkout/disclosures (an integrator, who holds its id and may send it with POST /subscriptions later). The page
-- shows a reload its own unaccepted disclosure again instead of writing one per view; it must never take up an
-- integrator's, which its customer could then accept, so that the integrator's purchase with it is refused as already
-- used. Rows written before V550 cannot be told apart safely: they are 'API' (never reused by the page; a reload after
-- the upgrade writes one new disclosure, which the hourly job deletes a day after it expires). The default stays 'API'
-- so that a node of the release before, which writes no origin during the deploy, writes rows the page never reuses.
-- The column's constant default and a NOT VALID check take a short lock and read no row; V551 checks the existing rows.
-- The ALTER waits for the table's ACCESS EXCLUSIVE lock; every checkout page view and disclosure would queue behind
-- it while a long query holds the table: give up after 10 s instead (the start fails; start again).
SET LOCAL lock_timeout = '10s';
ALTER TABLE disclosures
    ADD COLUMN origin text NOT NULL DEFAULT 'API',
    ADD CONSTRAINT disclosures_origin_check CHECK (origin IN ('API', 'CHECKOUT')) NOT VALID;
