-- A pending price change is told again inside the window before the renewal it applies at when its notice went out
-- before that window: told ahead of a renewal that kept an accepted retention discount (the new price applies from
-- the renewal after it), or held for a renewal it could not reach in time. The notice job looks for such rows on
-- every run; the pending ones are few among all rows ever recorded.
CREATE INDEX subscription_price_changes_open_idx ON subscription_price_changes (notice_sent_at)
    WHERE status = 'PENDING';
