-- Google Play's Voided Purchases API (purchases.voidedpurchases.list) lists the orders Google voided (refunded and
-- revoked, charged back) by when Google's systems saw them voided, 30 days back at most. stores.VoidedPurchases polls
-- it: seen_until is where the next window starts (every record seen voided before it has been applied), and a window
-- read partway keeps its end and Google's page token (page_token), so the next run goes on with the next page. No
-- personal data: the app's package name, times and Google's opaque page token.
CREATE TABLE store_voided_cursors (
    package_name text PRIMARY KEY,
    seen_until   timestamptz NOT NULL,
    window_end   timestamptz,
    page_token   text,
    updated_at   timestamptz NOT NULL,
    CHECK ((page_token IS NULL) = (window_end IS NULL))
);
