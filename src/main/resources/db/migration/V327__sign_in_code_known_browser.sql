-- A code asked for by a browser that has signed in with this email before (its signed "known browser" cookie,
-- intake.KnownBrowsers): the cookie's random browser id, so that such codes have an allowance of their own, per
-- browser, outside the ceiling that strangers' requests for the email share. Null for everyone else's codes.
ALTER TABLE portal_sign_in_codes ADD COLUMN known_browser text;
