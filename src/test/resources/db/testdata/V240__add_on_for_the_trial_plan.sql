-- The tests' add-on for a base in its free trial (issue 12): the monthly VPN add-on may also be added to the trial plan
-- vpn-monthly-trial (V201), so the tests can buy an add-on onto a TRIALING base. Test data only.
UPDATE plans SET add_on_to = add_on_to || '{vpn-monthly-trial}'::text[] WHERE code = 'vpn-addon-monthly';
