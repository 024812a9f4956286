-- The contract step of V510: the existing rows are checked against V510's constraints (a SHARE UPDATE EXCLUSIVE lock:
-- purchases go on meanwhile; the DROP then takes ACCESS EXCLUSIVE until the commit, a moment), and V170's UNIQUE (disclosure_id) over every row gives way to V511's, over the
-- COMPLETED ones, so that an acceptance whose purchase sold nothing (ABANDONED) keeps its evidence and its
-- disclosure may still back the buyer's next try. V512 keeps the column indexed for every row.
SET LOCAL lock_timeout = '10s';
ALTER TABLE consents VALIDATE CONSTRAINT consents_status_check;
ALTER TABLE consents VALIDATE CONSTRAINT consents_completed_sale_check;
ALTER TABLE consents VALIDATE CONSTRAINT consents_purchase_check;
ALTER TABLE consents DROP CONSTRAINT consents_disclosure_id_key;
