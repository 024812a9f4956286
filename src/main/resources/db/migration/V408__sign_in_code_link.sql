-- The one-time sign-in link mailed with each code (intake.SignInCodes): the hex SHA-256 of its random token (256
-- bits), never the token. It lives and dies with its code's row: the same expiry, used once (used_at), ended when
-- the code is. Tokens cannot be guessed, so the link is found by its hash alone.
ALTER TABLE portal_sign_in_codes ADD COLUMN link_hash text;
CREATE UNIQUE INDEX portal_sign_in_codes_link ON portal_sign_in_codes (link_hash) WHERE link_hash IS NOT NULL;
