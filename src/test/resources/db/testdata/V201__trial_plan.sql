-- The tests' plan with a free trial (issue 12): 14 days free, then monthly, after the contract's seven plans. Test data
-- only (subdesk.extra-migrations): the demo catalog is exactly the seven plans of shared/API.md.
INSERT INTO plans (code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to, position, trial_days) VALUES
 ('vpn-monthly-trial', 'Acme Secure VPN, monthly, 14 days free', '{vpn}', 'P1M', 499, 'USD', 5, 14, '{}', 8, 14);
