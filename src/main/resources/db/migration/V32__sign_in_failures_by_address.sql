-- Failed console sign-ins are counted per username AND client address: ten from one address lock that username
-- for that address only, so nobody can lock a colleague out from elsewhere by typing wrong passwords for their
-- name. A much higher count over all addresses still stops a guessing attack spread over many addresses.
ALTER TABLE staff_sign_in_failures ADD COLUMN address text NOT NULL DEFAULT '';
CREATE INDEX staff_sign_in_failures_address_idx ON staff_sign_in_failures (username, address, at);
