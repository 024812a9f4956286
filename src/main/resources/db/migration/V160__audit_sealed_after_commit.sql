-- Audit entries are inserted in the transaction of the change they record, with no lock: each carries the
-- SHA-256 of its own content (entry_hash). One sealer links them afterwards, in the order it finds them
-- committed: seq is the entry's place in the hash chain, prev_hash/hash its links. An entry without seq is not
-- yet sealed. Entries written before this version were chained in id order.
ALTER TABLE audit_events
    ADD COLUMN seq        bigint,
    ADD COLUMN entry_hash text;
UPDATE audit_events SET seq = id WHERE hash IS NOT NULL;
CREATE UNIQUE INDEX audit_events_seq_idx ON audit_events (seq);
CREATE INDEX audit_events_unsealed_idx ON audit_events (id) WHERE seq IS NULL;
