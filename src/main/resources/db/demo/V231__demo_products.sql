-- The demo catalog's products (demo data, as V2's plans): their display names. A database that got V2 after the
-- schema's V230 (first started in production mode) gets the rows here, after any products it already has.
INSERT INTO products (code, name, position)
SELECT code, name, (SELECT coalesce(max(position), 0) FROM products) + ordinal
FROM (VALUES ('antivirus', 'Acme Antivirus', 1),
             ('vpn',       'Acme Secure VPN', 2),
             ('utilities', 'Acme Utilities', 3),
             ('identity',  'Acme Identity Guard', 4)) AS demo (code, name, ordinal)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name;
