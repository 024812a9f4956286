-- A console step-up code is tied to one action and its target, chosen by the agent when it is sent, and is used up
-- by that action (SECURITY.md, "Step-up codes"). A code sent to a new email address before an agent's change of the
-- account's email is kept here too, as action NEW_EMAIL. Codes sent before this migration have no action and open
-- nothing.
SET LOCAL lock_timeout = '10s';

ALTER TABLE step_up_codes
    ADD COLUMN action      text CHECK (action IN ('CLOSE_ACCOUNT', 'REMOVE_CARD', 'CHANGE_EMAIL', 'REFUND', 'NEW_EMAIL')),
    -- salted hex SHA-256 of id || ':' || the target (a card id, a charge id and amount, the new address's key):
    -- the new address is not kept in clear here
    ADD COLUMN target_hash text,
    -- the action ran, in its own transaction: never again
    ADD COLUMN used_at     timestamptz,
    ADD CONSTRAINT step_up_codes_target_with_action CHECK (action IS NOT NULL OR target_hash IS NULL),
    ADD CONSTRAINT step_up_codes_used_once_confirmed CHECK (used_at IS NULL OR confirmed_at IS NOT NULL);
