-- Reminders are found through the renewal-attempt index (an ACTIVE auto-renewing subscription's next attempt is
-- its period end), so a renewal writes one index entry fewer.
DROP INDEX subscriptions_reminder_due_idx;
