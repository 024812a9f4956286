-- A subscriber's price change can be SUPERSEDED: a newer change of the plan announced to the subscriber before an
-- older one applied replaces it (only the newest announced change counts; an older price is never charged after it).
-- Rows an earlier version left pending beside a newer change's row (a late notice held for a later renewal, or a
-- renewal that passed without the change applying) are superseded now, as of the newer row's notice.
ALTER TABLE subscription_price_changes DROP CONSTRAINT subscription_price_changes_status_check;
ALTER TABLE subscription_price_changes ADD CONSTRAINT subscription_price_changes_status_check
    CHECK (status IN ('PENDING', 'APPLIED', 'ENDED', 'SUPERSEDED'));

UPDATE subscription_price_changes p
SET status = 'SUPERSEDED',
    resolved_at = (SELECT max(q.notice_sent_at)
                   FROM subscription_price_changes q
                   JOIN plan_price_changes newer ON newer.id = q.price_change_id
                   JOIN plan_price_changes older ON older.id = p.price_change_id
                   WHERE q.subscription_id = p.subscription_id AND q.status IN ('PENDING', 'APPLIED')
                     AND newer.effective_from > older.effective_from)
WHERE p.status = 'PENDING'
  AND EXISTS (SELECT 1
              FROM subscription_price_changes q
              JOIN plan_price_changes newer ON newer.id = q.price_change_id
              JOIN plan_price_changes older ON older.id = p.price_change_id
              WHERE q.subscription_id = p.subscription_id AND q.status IN ('PENDING', 'APPLIED')
                AND newer.effective_from > older.effective_from);
