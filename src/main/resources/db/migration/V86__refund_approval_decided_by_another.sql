-- Nobody decides a goodwill refund they asked for, an ADMIN included: RefundApprovals refuses it (409 OWN_REQUEST)
-- and the table holds the same rule, whatever path writes to it.
ALTER TABLE refund_approvals ADD CONSTRAINT refund_approvals_decided_by_another
    CHECK (decided_by IS NULL OR decided_by <> requested_by);
