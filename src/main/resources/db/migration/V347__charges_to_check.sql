-- The invariant-1 sweep (ScheduledEnds#sweepChargesAfterCancellation) is driven by change: it reads only the
-- subscriptions queued here since its last run, not every imported charge with something left to refund (V335 read
-- them all on every run: cheap with a thousand, not after importing millions). A subscription is queued, by the
-- triggers below, in the transaction of each change that can make one of its charges qualify:
--   * an imported charge (origin IMPORT) written with something left to refund, or a charge's row changed so that it
--     is one (a refund only adds to refunded_amount, so it never makes one qualify; a partial one queues it all the
--     same, as any other change to an imported charge with something left does);
--   * a cancellation item written or moved (its subscription or effective_at), and a cancellation whose status
--     becomes SCHEDULED or EFFECTIVE from another one (its items' subscriptions).
-- Each change queues a row of its own (no ON CONFLICT: a row the sweep is reading could be deleted after the sweep's
-- reading of the state, and a change that found it there and added nothing would be lost). The sweep reads a row once
-- its change has committed and reads the state after that, so whatever order changes commit in (imports committing
-- out of order were why V335 left a watermark), the last change to a subscription is read with the state it made; it
-- deletes only the rows it read.
CREATE TABLE charges_to_check (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  text NOT NULL
);
-- the sweep reads all the checks of a subscription at once (an import of many charges queues one a charge)
CREATE INDEX charges_to_check_subscription_idx ON charges_to_check (subscription_id);

CREATE FUNCTION charges_to_check_subscription() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO charges_to_check (subscription_id) VALUES (NEW.subscription_id);
    RETURN NULL;
END
$$;

CREATE FUNCTION charges_to_check_cancellation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO charges_to_check (subscription_id)
    SELECT i.subscription_id FROM cancellation_items i WHERE i.confirmation_number = NEW.confirmation_number;
    RETURN NULL;
END
$$;

-- Row triggers with a WHEN: a purchase's or a renewal's charge (and the COPY of a renewal batch, which keeps its
-- multi-row inserts with AFTER triggers) calls no function.
CREATE TRIGGER charges_imported_to_check AFTER INSERT ON charges FOR EACH ROW
    WHEN (NEW.origin = 'IMPORT' AND NEW.status <> 'FAILED' AND NEW.refunded_amount < NEW.amount)
    EXECUTE FUNCTION charges_to_check_subscription();
CREATE TRIGGER charges_changed_to_check
    AFTER UPDATE OF origin, status, amount, refunded_amount, subscription_id, period_start ON charges FOR EACH ROW
    WHEN (NEW.origin = 'IMPORT' AND NEW.status <> 'FAILED' AND NEW.refunded_amount < NEW.amount)
    EXECUTE FUNCTION charges_to_check_subscription();
CREATE TRIGGER cancellation_items_to_check
    AFTER INSERT OR UPDATE OF subscription_id, effective_at ON cancellation_items FOR EACH ROW
    EXECUTE FUNCTION charges_to_check_subscription();
CREATE TRIGGER cancellations_to_check AFTER UPDATE OF status ON cancellations FOR EACH ROW
    WHEN (NEW.status IN ('SCHEDULED', 'EFFECTIVE') AND OLD.status NOT IN ('SCHEDULED', 'EFFECTIVE'))
    EXECUTE FUNCTION charges_to_check_cancellation();
