-- The fleet's record of the key-encryption key in use (sealing.KeyEncryptionKeyInUse): every node start records the
-- id (fingerprint) of its SUBDESK_ENTITLEMENT_KEK here, and refuses to start when the id recorded last is neither its
-- current key nor one of its previous or next keys: a node started with a mistyped or wrong key would otherwise seal
-- rows the other nodes cannot open. "Last" is the database's order of the records (recorded_seq), not the nodes'
-- clocks, which may differ and are whole seconds. One row per key id ever run (a start of a key already recorded
-- updates its row), so the table stays a handful of rows. A new table: no lock on an existing one.
CREATE TABLE kek_in_use (
    kek_id       text        PRIMARY KEY,
    recorded_at  timestamptz NOT NULL,
    recorded_seq bigserial   NOT NULL
);
