-- An account's store account token is made when the account is opened (stores.StoreAccountTokens), no longer on the
-- first GET /accounts/{id}/store-account-token, which only reads it. Every open account without one gets it here;
-- a closed account keeps none. An account opened by a node of the release before, while this deploy rolls out,
-- still gets its token on the first GET.
SET LOCAL lock_timeout = '10s';

INSERT INTO store_account_tokens (account_id, token, created_at)
SELECT a.id, gen_random_uuid(), now()
FROM accounts a
WHERE a.status = 'ACTIVE'
  AND NOT EXISTS (SELECT 1 FROM store_account_tokens t WHERE t.account_id = a.id)
ON CONFLICT DO NOTHING;
