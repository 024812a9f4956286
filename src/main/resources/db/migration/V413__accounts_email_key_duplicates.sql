-- Two addresses are the same one by one rule (shared.EmailAddresses.SQL_KEY): trimmed, in Unicode NFC, lower-cased
-- by the builtin pg_c_utf8 collation (Unicode case of every letter, whatever the database's locale). The unique index
-- on accounts' addresses was lower(email) under the database's own locale: on a database whose locale is C it folded
-- ASCII only, and took ÉLODIE@example.test beside élodie@example.test as another address. Before V414 builds the
-- index by the rule, this stops the upgrade, naming the accounts, if two of them hold the same address by it: one of
-- them must be given another address (or closed) first, for the rule refuses a second account with the address.
DO $$
DECLARE
    clash text;
BEGIN
    SELECT string_agg(ids, '; ') INTO clash FROM (
        SELECT string_agg(id, ', ' ORDER BY created_at, id) AS ids
        FROM accounts
        GROUP BY lower(normalize(btrim(email), NFC) COLLATE pg_c_utf8)
        HAVING count(*) > 1) same;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'accounts hold the same email address in another case or Unicode form: %', clash
            USING HINT = 'give all but one of each group another address (PATCH /accounts/{id}) or close it, then start again';
    END IF;
END $$;
