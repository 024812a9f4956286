-- A console step-up code is tied to one action and its target, chosen by the agent when it is sent, and is used up
-- by that action (SECURITY.md, "Step-up codes"). A code sent to a new email address before an agent's change of the
-- account's email is kept here too, as action NEW_EMAIL.
-- A table of its own rather than columns on step_up_codes: during a rolling deploy the nodes of the release before
-- read step_up_codes, where a confirmed code opens every sensitive action for ten minutes and is never used up; a
-- code of this release there would open on an old node what it does not allow here (and a code read back from a new
-- address would count as a step-up). Codes in either table open nothing on the nodes of the other release. The old
-- table is dropped by the next release (DEPLOY.md).
SET LOCAL lock_timeout = '10s';

CREATE TABLE step_up_action_codes (
    id           text PRIMARY KEY,
    account_id   text        NOT NULL REFERENCES accounts (id),
    agent        text        NOT NULL,
    case_number  text,
    code_hash    text        NOT NULL,                 -- hex SHA-256 of id || ':' || code
    attempts     int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    retired_at   timestamptz,                          -- a newer code of the kind replaced it, or too many tries
    confirmed_at timestamptz,                          -- the caller read it back
    action       text        NOT NULL CHECK (action IN ('CLOSE_ACCOUNT', 'REMOVE_CARD', 'CHANGE_EMAIL', 'REFUND',
                                                        'NEW_EMAIL')),
    -- salted hex SHA-256 of id || ':' || the target (a card id, a charge id and amount, the new address's key):
    -- the new address is not kept in clear here
    target_hash  text        NOT NULL,
    -- the action ran, in its own transaction: never again
    used_at      timestamptz CHECK (used_at IS NULL OR confirmed_at IS NOT NULL)
);
CREATE INDEX step_up_action_codes_account_idx ON step_up_action_codes (account_id, created_at DESC);
