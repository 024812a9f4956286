-- The addresses an account had before its current one, as SHA-256 of the address lower-cased (accounts.Account
-- .emailHash), never in clear: a customer who changed email and then closed the account has what was typed with the
-- old address elsewhere (a public form about another account's contract, the case it opened there, the confirmation
-- sent to it) erased at the closure as well as what was typed with the current one (AccountErasing). Deleted at the
-- closure, once used.
CREATE TABLE account_previous_emails (
    account_id   text NOT NULL REFERENCES accounts (id),
    email_sha256 text NOT NULL CHECK (email_sha256 ~ '^[0-9a-f]{64}$'),
    changed_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, email_sha256)
);
