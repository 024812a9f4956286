-- A case that was ever escalated (it keeps its escalation_reason) is the supervisors' until resolved, and reopens
-- ESCALATED (Support.reopen). Before, reopening a resolved escalated case made it OPEN (and, before V258, reopening one
-- that waited for the customer after its escalation did too), so its owner could work it as an ordinary case. Such cases
-- still open go back to the supervisors: OPEN ones to their queue, ones waiting for the customer marked as waiting after
-- an escalation (SupportCase.withSupervisors). escalation_reason is never cleared (only erased to a marker), so this
-- finds exactly the cases that were escalated.
SET LOCAL lock_timeout = '10s';
UPDATE support_cases SET status = 'ESCALATED'
WHERE status = 'OPEN' AND escalation_reason IS NOT NULL;
UPDATE support_cases SET waiting_after_escalation = true
WHERE status = 'PENDING_CUSTOMER' AND escalation_reason IS NOT NULL AND NOT waiting_after_escalation;
