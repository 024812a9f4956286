-- A case set to wait for the customer while it was escalated goes back to the supervisors' queue when it is reopened.
ALTER TABLE support_cases ADD COLUMN waiting_after_escalation boolean NOT NULL DEFAULT false;
