/**
 * The support desk: cases with a customer-facing number, and disputes of charges. A charge for a period that
 * starts at or after its subscription's cancellation is refunded at once; anything else opens a case. Also caller
 * verification, the step-up codes an agent needs before sensitive actions, refunds outside the policy waiting for
 * a supervisor, and the hash-chained audit trail.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Support",
		allowedDependencies = { "shared", "events", "notices", "accounts", "billing", "subscriptions", "cancellation" })
package dev.subdesk.support;
