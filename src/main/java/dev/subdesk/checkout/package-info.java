/**
 * The sale's evidence (issue 12, API.md "Checkout and consent"): the disclosure a buyer must see before agreeing,
 * written from the plan and the rule table of the buyer's jurisdiction, and the consent record that keeps the exact
 * text shown, its SHA-256, the method, the time and the channel (R-US-2, R-CA-1/2). Subscriptions asks this module
 * to check and record a purchase's consent in the purchase's own transaction.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Checkout and consent",
		allowedDependencies = { "shared", "catalog", "accounts", "jurisdictions" })
package dev.subdesk.checkout;
