-- Data fix: the one-time code notices stored before V435 kept their text (a code, a sign-in link) for as long as any
-- notice. Both kinds of code are valid 10 minutes (intake.SignInCodes.VALID_FOR, support.StepUpCodes.VALID_MINUTES).
-- Erased now: the text of every one past those 10 minutes, and of every one the mail server took or refused for good
-- (what SmtpDelivery does from now on). Those still valid and unsent get their expiry in notice_body_expiries, so that
-- notices.OneTimeCodeBodies erases them in time. A copy in the outbox (an account closed while one was queued) goes
-- with the text: a code that has expired, or is erased, is not sent (SmtpDelivery fails it as erased).
CREATE TEMPORARY TABLE v436_erased ON COMMIT DROP AS
SELECT n.id FROM notices n
WHERE n.type IN ('SIGN_IN_CODE', 'VERIFICATION_CODE')
  AND (n.body IS NOT NULL OR EXISTS (SELECT 1 FROM notice_outbox o WHERE o.notice_id = n.id AND o.body IS NOT NULL))
  AND (n.created_at <= now() - interval '10 minutes' OR n.sent_at IS NOT NULL
       OR (n.delivery_error IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notice_outbox o WHERE o.notice_id = n.id)));

UPDATE notice_outbox o SET body = NULL FROM v436_erased e WHERE o.notice_id = e.id AND o.body IS NOT NULL;

UPDATE notices n SET body = NULL FROM v436_erased e WHERE n.id = e.id AND n.body IS NOT NULL;

INSERT INTO notice_body_expiries (notice_id, expires_at)
SELECT n.id, n.created_at + interval '10 minutes' FROM notices n
WHERE n.type IN ('SIGN_IN_CODE', 'VERIFICATION_CODE') AND n.body IS NOT NULL
ON CONFLICT (notice_id) DO NOTHING;
