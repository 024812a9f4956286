-- EU withdrawal (R-EU-5..8): a withdrawal is its own record with its own reference number, apart from the
-- cancellation that ends the contract through the cancellation engine. One per contract, ever.

CREATE TABLE withdrawals (
    reference_number     text PRIMARY KEY,                                   -- WDR-XXXX-XXXX
    seq                  bigint GENERATED ALWAYS AS IDENTITY,
    account_id           text NOT NULL REFERENCES accounts (id),
    subscription_id      text NOT NULL UNIQUE REFERENCES subscriptions (id),
    order_number         text NOT NULL,
    name                 text NOT NULL,
    email                text NOT NULL,
    channel              text NOT NULL CHECK (channel IN ('API', 'PORTAL', 'AGENT')),
    received_at          timestamptz NOT NULL,
    confirmation_number  text NOT NULL REFERENCES cancellations (confirmation_number),
    refund_total         bigint NOT NULL CHECK (refund_total >= 0),
    currency             text NOT NULL
);
CREATE INDEX withdrawals_account_idx ON withdrawals (account_id);

-- What was sent through the public "Withdraw from contract here" form, matched to a contract or not.
CREATE TABLE public_withdrawal_requests (
    id                text PRIMARY KEY,                 -- unguessable: the saved result page is found by it
    received_at       timestamptz NOT NULL,
    name              text NOT NULL,
    email             text NOT NULL,
    order_number      text NOT NULL,
    account_id        text REFERENCES accounts (id),    -- the account it concerns, when one can be told
    reference_number  text REFERENCES withdrawals (reference_number),
    case_number       text
);
CREATE INDEX public_withdrawal_requests_account_idx ON public_withdrawal_requests (account_id);

-- Public cancellation requests are erased with the account they concern.
ALTER TABLE public_cancellation_requests ADD COLUMN account_id text REFERENCES accounts (id);
UPDATE public_cancellation_requests p SET account_id = s.account_id
FROM subscriptions s WHERE s.order_number = p.order_number;
CREATE INDEX public_cancellation_requests_account_idx ON public_cancellation_requests (account_id);
