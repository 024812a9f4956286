-- The metrics gauge subdesk.notices{status="FAILED"} counts the notices that could not be delivered at every
-- scrape: this index keeps that a look at the few failed rows, not a scan of every notice ever written.
CREATE INDEX notices_failed_idx ON notices (seq) WHERE delivery_error IS NOT NULL;
