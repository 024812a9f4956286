-- A database that has been started in production mode is never opened in demo mode (dev.subdesk.ProductionMark):
-- demo mode shows every e-mail at /demo/mailbox to anyone, sign-in codes included. Every production start writes
-- this one row after the migrations, if it is not there yet (INSERT ... ON CONFLICT DO NOTHING); every demo start
-- looks for it before anything else touches the database, and refuses to start when it is there. Nothing deletes it.
CREATE TABLE production_mark (
    only_row         boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    first_started_at timestamptz NOT NULL
);
