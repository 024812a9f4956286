-- Requests received before V328 have owners = false whatever email they were sent with. The 90-day retention now
-- erases every request not sent with its account's email (intake.PublicRequestRetention), so the owners' own
-- requests of that time are marked as theirs here, by the account's email as it is now (letter case and blanks
-- ignored, as the forms decide it); an owner who has changed email since is taken for a stranger, which only erases
-- what was typed 90 days after it was received.
UPDATE public_cancellation_requests r SET owners = true FROM accounts a
WHERE r.account_id = a.id AND NOT r.owners AND a.status <> 'CLOSED' AND lower(btrim(r.email)) = lower(a.email);
UPDATE public_withdrawal_requests r SET owners = true FROM accounts a
WHERE r.account_id = a.id AND NOT r.owners AND a.status <> 'CLOSED' AND lower(btrim(r.email)) = lower(a.email);
