-- Customer portal: one-time sign-in codes (only a salted hash of each code is stored) and the record of every
-- request sent through the public "Cancel contracts here" form (§ 312k BGB), matched to a contract or not.

CREATE TABLE portal_sign_in_codes (
    id          text PRIMARY KEY,
    email       text        NOT NULL,                 -- lower-cased as typed
    account_id  text REFERENCES accounts (id),        -- null when no account has this email
    code_hash   text        NOT NULL,                 -- hex SHA-256 of id || ':' || code
    client_ip   text        NOT NULL,
    attempts    int         NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX portal_sign_in_codes_email_idx ON portal_sign_in_codes (email, created_at DESC);
CREATE INDEX portal_sign_in_codes_ip_idx ON portal_sign_in_codes (client_ip, created_at DESC);

CREATE TABLE public_cancellation_requests (
    id                   text PRIMARY KEY,            -- unguessable: the saved result page is found by it
    received_at          timestamptz NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('ORDINARY', 'EXTRAORDINARY')),
    reason               text,
    name                 text NOT NULL,
    email                text NOT NULL,
    order_number         text NOT NULL,
    timing               text NOT NULL CHECK (timing IN ('EARLIEST', 'IMMEDIATELY')),
    confirmation_email   text NOT NULL,
    confirmation_number  text,                        -- set when it matched a contract and cancelled it
    effective_at         timestamptz,
    case_number          text                         -- set when an agent has to look at it
);
CREATE INDEX public_cancellation_requests_unmatched_idx ON public_cancellation_requests (received_at)
    WHERE confirmation_number IS NULL;
