-- Room on each page of webhook_delivery for the row's next version: a claim changes no indexed column (attempts,
-- claimed_until, claim_token), so with free space on its page its update is a HOT update that writes no index entry
-- (with the default fillfactor of 100 the fan-out fills every page and each claim writes six index entries).
ALTER TABLE webhook_delivery SET (fillfactor = 70);
