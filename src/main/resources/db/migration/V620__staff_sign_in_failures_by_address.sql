-- flyway:executeInTransaction=false
-- Failed console sign-ins by client address alone, whatever the username: every sign-in counts its address's
-- failures of the last 15 minutes (StaffAccounts, subdesk.console.sign-in-failures-per-address), so that one address
-- cannot spray guesses over every staff username. CONCURRENTLY, alone in its script: every sign-in writes
-- staff_sign_in_failures. V621 checks that it was built.
CREATE INDEX CONCURRENTLY IF NOT EXISTS staff_sign_in_failures_by_address ON staff_sign_in_failures (address, at);
