-- A purchase with a disclosure holds it while its payment is under way (Consents.claim), so that a second purchase
-- with the same disclosure (a second click on the hosted checkout, a retried API call) is refused before its card is
-- charged, not charged and then given back. claimed_until bounds the hold if the node stops mid-purchase.
ALTER TABLE disclosures ADD COLUMN claimed_by text, ADD COLUMN claimed_until timestamptz;
