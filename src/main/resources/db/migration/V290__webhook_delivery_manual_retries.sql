-- A manual retry is sent once even while its endpoint is DISABLED (shared/API.md: "sent again now"). The claim finds
-- such retries through this index alone: it holds only the PENDING manual retries (a handful at any time: a retry
-- sets the flag, the attempt's outcome clears it), so the claim never reads a DISABLED endpoint's ordinary backlog.
-- No column a claim changes (attempts, claimed_until, claim_token) is in it: claims stay HOT updates.
CREATE INDEX webhook_delivery_manual ON webhook_delivery (next_attempt_at, event_position)
    WHERE status = 'PENDING' AND manual;
