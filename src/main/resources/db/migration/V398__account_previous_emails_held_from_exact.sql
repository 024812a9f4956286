-- V397 gave each row it converted (V390 kept only the change that gave the address up) a window from the account's
-- opening. But an account holds an address only from the change that gave it to the account: the change that gave
-- up the address it had before. A window from the opening covers the time the account held other addresses, when
-- someone else may have held this one, and the closure (AccountErasing) would erase what they typed with it then.
-- So a row's window starts at the latest of the account's changes before the one that ended it, as changeEmail
-- records it for rows written since V397 (left as they are: their start is already that). A V390 row of an address
-- the account held twice kept only its last change (and the window of the address held in between starts at the
-- opening, since the change that ended its first holding was lost): the first holding of that address stays out of
-- its window; no other record says when it was.
UPDATE account_previous_emails p SET held_from = earlier.until
FROM (SELECT r.account_id, r.email_sha256, r.held_from,
        (SELECT max(q.held_until) FROM account_previous_emails q
         WHERE q.account_id = r.account_id AND q.held_until < r.held_until) AS until
      FROM account_previous_emails r) earlier
WHERE earlier.account_id = p.account_id AND earlier.email_sha256 = p.email_sha256
  AND earlier.held_from = p.held_from AND earlier.until > p.held_from;

-- The closure looks up the other accounts' windows on the addresses it erases (the second of a hand-over is the
-- leaving account's): by the address's hash.
CREATE INDEX account_previous_emails_sha256_idx ON account_previous_emails (email_sha256, held_until);
