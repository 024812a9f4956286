package dev.subdesk.checkout;

/**
 * Where a disclosure was written (V550): by the hosted checkout page ({@link Disclosures#shown}), which may show it
 * again on a reload, or by the API ({@link Disclosures#disclose}), whose caller holds its id and may send it with a
 * purchase later, so that nothing else ever hands it out. Rows written before V550 are {@code API}.
 */
enum DisclosureOrigin {
	API, CHECKOUT
}
