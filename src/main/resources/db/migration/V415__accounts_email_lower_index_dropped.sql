-- Replaced by accounts_email_key_uq (V414): lower(email) under the database's locale is no longer the rule.
DROP INDEX CONCURRENTLY IF EXISTS accounts_email_uq;
