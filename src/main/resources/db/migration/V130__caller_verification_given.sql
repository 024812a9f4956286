-- How many factors the caller gave in an attempt (issue 15): an attempt whose every given factor matched, but too
-- few to verify, is a partial answer and does not count as a failure. Older rows (NULL) count as before.
ALTER TABLE caller_verifications ADD COLUMN given integer;
