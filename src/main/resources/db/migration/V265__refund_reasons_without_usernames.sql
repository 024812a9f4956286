-- Refund reasons written before this version named the console user who refunded or approved ("by agent alice",
-- "approved by bob"): a customer read it in the refund's notice, a webhook receiver in refund.issued, any API
-- caller on the charge. A console username is half of a staff credential, so the stored reasons and events say
-- who in the words the code now writes; the audit trail still names the user. Notices already sent are the
-- customer's; their stored copies lose the name too.
UPDATE refunds SET reason = 'Refund under the policy, by an Acme support agent'
WHERE reason LIKE 'Refund under the policy, by agent %';
UPDATE refunds SET reason = regexp_replace(reason, '^(Goodwill refund \S+), approved by .*$',
                                            '\1, approved by an Acme support supervisor')
WHERE reason ~ '^Goodwill refund \S+, approved by ' AND reason !~ ', approved by an Acme support supervisor$';

-- data is json (its text kept as written): the words are replaced in the text, nothing else of it changes
UPDATE domain_event SET data = CAST(regexp_replace(regexp_replace(CAST(data AS text),
        'Refund under the policy, by agent [^"]*"', 'Refund under the policy, by an Acme support agent"'),
        '(Goodwill refund [^",]+), approved by (?!an Acme support supervisor)[^"]*"',
        '\1, approved by an Acme support supervisor"') AS json)
WHERE type = 'refund.issued'
  AND (data->>'reason' LIKE 'Refund under the policy, by agent %'
       OR (data->>'reason' ~ '^Goodwill refund \S+, approved by '
           AND data->>'reason' !~ ', approved by an Acme support supervisor$'));

UPDATE notices SET body = regexp_replace(regexp_replace(body,
        'Refund under the policy, by agent [^\n]*', 'Refund under the policy, by an Acme support agent'),
        '(Goodwill refund \S+), approved by (?!an Acme support supervisor)[^\n]*', '\1, approved by an Acme support supervisor')
WHERE type = 'REFUND_ISSUED' AND body IS NOT NULL
  AND (body LIKE '%Refund under the policy, by agent %' OR body ~ 'Goodwill refund \S+, approved by (?!an Acme)');
