-- The agent console's staff accounts. Only the Argon2 hash of a password is stored; a disabled account cannot
-- sign in. Demo mode writes its three demo users here at start-up; otherwise the first ADMIN comes from the
-- bootstrap configuration (subdesk.console.bootstrap-admin.*) and creates the others on /console/staff.
CREATE TABLE staff_users (
    username       text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
    display_name   text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role           text NOT NULL CHECK (role IN ('AGENT', 'SUPERVISOR', 'ADMIN')),
    password_hash  text NOT NULL,
    enabled        boolean NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     text NOT NULL,
    updated_at     timestamptz NOT NULL
);
