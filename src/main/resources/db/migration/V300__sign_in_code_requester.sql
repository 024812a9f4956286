-- A sign-in code belongs to the browser that asked for it (a random token its session keeps): only that browser signs
-- in with it, and only a newer code asked for by the same browser ends it, so a stranger who asks for codes with
-- someone's email ends none of theirs. Codes asked for before have none (matched by sessions that have none either).
ALTER TABLE portal_sign_in_codes ADD COLUMN requester text;
