-- Catalog administration (issue 12): products, prices in more currencies, retired plans, the retention offer per
-- plan, and the catalog's version, which every node compares with its in-memory copy (docs/DESIGN-NOTES.md,
-- "An editable catalog on several nodes").

CREATE TABLE products (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    position   int  NOT NULL UNIQUE
);
-- the products the plans already name (a database that has the demo catalog); names are the demo data's (db/demo)
INSERT INTO products (code, name, position)
SELECT code, initcap(replace(code, '-', ' ')), row_number() OVER (ORDER BY first_position, code)
FROM (SELECT unnest(products) AS code, min(position) AS first_position FROM plans GROUP BY 1) named;

-- RETIRED: no new purchase; the subscriptions that have it go on renewing at their own price
ALTER TABLE plans ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RETIRED'));
ALTER TABLE plans ADD COLUMN retired_at timestamptz;
-- the retention offer: a DISCOUNT of this many percent off the next renewal; NULL offers nothing. 25 is the demo
-- policy of shared/API.md (the next renewal at 75% of the price).
ALTER TABLE plans ADD COLUMN retention_percent_off int DEFAULT 25
    CHECK (retention_percent_off IS NULL OR retention_percent_off BETWEEN 1 AND 90);

-- a plan's price in a currency other than its base currency (plans.currency); a purchase by an account whose
-- country's currency has a row here pays that price (catalog.Plan#priceFor)
CREATE TABLE plan_prices (
    plan_code  text   NOT NULL REFERENCES plans (code),
    currency   text   NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount     bigint NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (plan_code, currency)
);

-- One row: bumped by every statement that changes the catalog, whoever runs it (the API, the console, a
-- migration, an operator's psql), so a node's copy is stale exactly when its version differs from this one.
CREATE TABLE catalog_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint  NOT NULL
);
INSERT INTO catalog_version (version) VALUES (1);

CREATE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER plans_changed AFTER INSERT OR UPDATE OR DELETE ON plans
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER plan_prices_changed AFTER INSERT OR UPDATE OR DELETE ON plan_prices
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
CREATE TRIGGER products_changed AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed();
