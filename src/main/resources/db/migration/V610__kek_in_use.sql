-- The fleet's record of the key-encryption key in use (sealing.KeyEncryptionKeyInUse): every node start records the
-- id (fingerprint) of its SUBDESK_ENTITLEMENT_KEK here, and refuses to start when the id recorded last is neither its
-- current key nor one of its previous or next keys, or when its own key is not one the node recorded last opened
-- (unless it lists that node's key as previous: the step of a rotation that moves on): a node started with a mistyped or wrong key would otherwise seal
-- rows the other nodes cannot open. "Last" is the database's order of the records (recorded_seq), not the nodes'
-- clocks, which may differ and are whole seconds. One row per key id ever run (a start of a key already recorded
-- updates its row), so the table stays a handful of rows. A new table: no lock on an existing one.
CREATE TABLE kek_in_use (
    kek_id       text        PRIMARY KEY,
    recorded_at  timestamptz NOT NULL,
    recorded_seq bigserial   NOT NULL,
    -- the key ids the recording node opened (its current, previous and next keys): a node whose own key is not
    -- among them (and that does not list the recorded key as previous) is refused, as the recording node's fleet
    -- could not open what it seals
    opens        text[]      NOT NULL
);
