-- A demo plan with a free trial (issue 12): 14 days free, then monthly; listed after the contract's seven plans.
INSERT INTO plans (code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to, position, trial_days) VALUES
 ('vpn-monthly-trial', 'Acme Secure VPN, monthly, 14 days free', '{vpn}', 'P1M', 499, 'USD', 5, 14, '{}', 8, 14);
