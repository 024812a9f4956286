/**
 * Subscriptions: purchase with the first charge, periods counted from the first period start, the status
 * machine (ACTIVE, PAST_DUE, CANCELLED, EXPIRED), add-ons on a parent, and order numbers.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Subscriptions",
		allowedDependencies = { "shared", "events", "catalog", "payments", "accounts", "billing", "jurisdictions", "checkout" })
package dev.subdesk.subscriptions;
