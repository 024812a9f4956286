-- R-US-2 asks the consent record to keep "the wording": besides the disclosure's text (text, text_sha256), the words
-- of the controls the buyer ticked and clicked (the separate checkbox's, the note beside the order button, the
-- button's; one line each, in the order shown: checkout.Disclosures.ConsentWords#recorded). Filled where this server
-- showed them (the hosted checkout, channel CHECKOUT); NULL where the vendor's own page or an agent did (the API), and
-- for every consent written before this migration (not known: the words then shown are not rebuilt after the fact).
-- The server's own words from the plan, prices, term and trial day: no name, email or address, so kept with the
-- record after the account closes (docs/RETENTION.md). Not listed by the API (API.md's consent fields are fixed).
-- A nullable column without a default changes no row, but the ALTER still waits for the table's ACCESS EXCLUSIVE
-- lock, behind which every purchase would queue while a long query holds the table: give up after 10 s instead.
SET LOCAL lock_timeout = '10s';
ALTER TABLE consents ADD COLUMN control_words text;
