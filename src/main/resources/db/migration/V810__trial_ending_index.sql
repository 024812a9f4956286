-- flyway:executeInTransaction=false
-- The trials whose TRIAL_ENDING notice may be pending, by their next attempt (the trial's end): the scheduler asks
-- every tick when the earliest is due (RenewalQueue#nextDue), and the claim of due notices walks them in that order;
-- a few rows, where the renewal-attempt index holds every live subscription. Built CONCURRENTLY (so Flyway runs this
-- script outside a transaction, and it must stay the only statement here): subscriptions change meanwhile.
CREATE INDEX CONCURRENTLY IF NOT EXISTS subscriptions_trial_ending_idx ON subscriptions (next_attempt_at)
    WHERE status = 'TRIALING' AND auto_renew AND channel = 'DIRECT';
