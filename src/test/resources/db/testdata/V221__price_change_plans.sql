-- The tests' plans for price changes (issue 12): one per test class scenario, so that a scheduled change (which
-- stays in the shared test database, and which new purchases of the plan then pay) never reaches another test's
-- subscriptions. Test data only (subdesk.extra-migrations), after the contract's seven plans and the trial plan.
INSERT INTO plans (code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to, position, trial_days) VALUES
 ('price-test-annual-1', 'Acme Test Plan 1, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 101, 0),
 ('price-test-annual-2', 'Acme Test Plan 2, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 102, 0),
 ('price-test-annual-3', 'Acme Test Plan 3, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 103, 0),
 ('price-test-annual-4', 'Acme Test Plan 4, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 104, 0),
 ('price-test-annual-5', 'Acme Test Plan 5, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 105, 0),
 ('price-test-annual-6', 'Acme Test Plan 6, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 106, 0),
 ('price-test-annual-7', 'Acme Test Plan 7, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 107, 0),
 ('price-test-annual-8', 'Acme Test Plan 8, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 108, 0),
 ('price-test-annual-9', 'Acme Test Plan 9, yearly', '{antivirus}', 'P1Y', 1000, 'USD', 3, 60, '{}', 109, 0);
