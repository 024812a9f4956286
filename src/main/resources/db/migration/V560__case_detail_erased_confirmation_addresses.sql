-- The public cancellation form opens a case for an agent when it cannot act on the request, and the case's detail
-- repeats what was typed, ending with the line "Confirmation to: <address>". Since the last release a confirmation
-- address that is neither the email typed with the request nor the account's is erased from the request (and its
-- notice) after 90 days (intake.PublicRequestRetention), but the case kept it until the account closed. From this
-- release the job replaces that line in the same transaction (support.Support#eraseConfirmationAddress); a request
-- whose address is erased already is not looked at again, so the cases of those erased before are fixed here once:
-- their last line becomes the same neutral wording. Cases a stranger's request opened have lost their whole detail
-- already (no such line); a closed account's cases too. Only the few rows that match are updated (row locks only).
UPDATE support_cases c
SET detail = regexp_replace(c.detail, E'\nConfirmation to: [^\n]*$', E'\nConfirmation to: (address erased after 90 days)')
FROM public_cancellation_requests r
WHERE r.case_number = c.case_number
  AND r.confirmation_email = 'erased@invalid'
  AND c.detail ~ E'\nConfirmation to: [^\n]*$'
  AND c.detail !~ E'\nConfirmation to: \\(address erased after 90 days\\)$';
