-- An event's data is written once, read whole (the API's events and the webhook bodies show it as it was written)
-- and changed only by an account's closure erasing its personal data: it never needs jsonb's parsed form, which
-- every insert paid for (the renewal run writes two events a renewal). json keeps the text as the API wrote it,
-- checked to be valid JSON; the few statements that look inside it cast it.
ALTER TABLE domain_event ALTER COLUMN data TYPE json USING data::json;
