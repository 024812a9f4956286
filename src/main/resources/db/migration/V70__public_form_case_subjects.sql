-- Cases opened by the public cancellation and withdrawal forms used to carry the order number as typed by someone
-- who had not signed in, and later CASE_UPDATE notices (escalated, resolved) repeat a case's subject to the account
-- holder (DESIGN invariant 13). Such subjects keep the order number only when it is one of the account's own, as
-- the database has it; otherwise the subject is the fixed wording.
UPDATE support_cases c
SET subject = split_part(c.subject, ' for order ', 1)
    || coalesce(' for order ' || (
         SELECT s.order_number FROM subscriptions s
         WHERE s.account_id = c.account_id
           AND s.order_number = upper(btrim(substring(c.subject FROM '^(?:Cancellation|Withdrawal) request for order (.*) needs checking$')))
         LIMIT 1), '')
    || ' needs checking'
WHERE c.channel = 'WEB'
  AND c.subject ~ '^(Cancellation|Withdrawal) request for order .* needs checking$';
