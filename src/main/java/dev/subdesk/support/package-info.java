/**
 * The support desk: cases with a customer-facing number, and disputes of charges. A charge for a period that
 * starts at or after its subscription's cancellation is refunded at once; anything else opens a case.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Support",
		allowedDependencies = { "shared", "notices", "accounts", "billing", "subscriptions", "cancellation" })
package dev.subdesk.support;
