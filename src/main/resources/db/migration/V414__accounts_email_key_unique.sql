-- One account per address by the rule of shared.EmailAddresses.SQL_KEY (see V413), the expression Accounts.findByEmail
-- looks addresses up by. Built CONCURRENTLY (Flyway runs this script outside a transaction): sign-ups go on meanwhile.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_key_uq
    ON accounts ((lower(normalize(btrim(email), NFC) COLLATE pg_c_utf8)));
