-- The demo catalog of the fictional vendor Acme (shared/API.md, "Catalog").
INSERT INTO plans (code, name, products, term, price_amount, currency, device_limit, money_back_days, add_on_to, position) VALUES
 ('antivirus-annual',      'Acme Antivirus, yearly',      '{antivirus}',                        'P1Y',  5999, 'USD',  3, 60, '{}', 1),
 ('antivirus-monthly',     'Acme Antivirus, monthly',     '{antivirus}',                        'P1M',   699, 'USD',  3, 14, '{}', 2),
 ('vpn-annual',            'Acme Secure VPN, yearly',     '{vpn}',                              'P1Y',  4999, 'USD',  5, 60, '{}', 3),
 ('utilities-annual',      'Acme Utilities, yearly',      '{utilities}',                        'P1Y',  3999, 'USD',  3, 60, '{}', 4),
 ('total-annual',          'Acme Total Security, yearly', '{antivirus,vpn,utilities,identity}', 'P1Y', 11999, 'USD', 10, 60, '{}', 5),
 ('identity-addon-annual', 'Identity Guard add-on, yearly','{identity}',                        'P1Y',  2999, 'USD',  0, 60, '{antivirus-annual,total-annual}', 6),
 ('vpn-addon-monthly',     'Secure VPN add-on, monthly',  '{vpn}',                              'P1M',   299, 'USD',  5, 14, '{antivirus-annual,antivirus-monthly}', 7);
