-- Sign-in codes are deleted a day after they were created (SignInCodeRetention); the index serves that purge.
CREATE INDEX portal_sign_in_codes_created_idx ON portal_sign_in_codes (created_at);
