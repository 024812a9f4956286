/**
 * Cancellation: quotes, cancellations with their confirmation numbers, signed receipts, retention offers,
 * cancel-all and account closure. A cancellation request is never turned into anything else: an offer only
 * applies when the customer accepts it explicitly (invariant 5).
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Cancellation",
		allowedDependencies = { "shared", "sealing", "catalog", "payments", "accounts", "billing", "subscriptions",
			"jurisdictions" })
package dev.subdesk.cancellation;
