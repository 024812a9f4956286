-- Caller verification by an agent: every attempt is kept; five failures lock the account's verification.
CREATE TABLE caller_verifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   text NOT NULL REFERENCES accounts (id),
    agent        text NOT NULL,
    case_number  text,
    at           timestamptz NOT NULL,
    matched      int NOT NULL,
    succeeded    boolean NOT NULL
);
CREATE INDEX caller_verifications_account_idx ON caller_verifications (account_id, id);

CREATE TABLE verification_locks (
    account_id    text PRIMARY KEY REFERENCES accounts (id),
    locked_until  timestamptz NOT NULL,
    case_number   text NOT NULL
);
