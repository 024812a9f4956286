/**
 * The support desk: cases with a customer-facing number, and disputes of charges. A charge for a period that
 * starts at or after its subscription's cancellation is refunded at once; anything else opens a case. Also caller
 * verification, the step-up codes an agent needs before sensitive actions, refunds outside the policy waiting for
 * a supervisor, and the hash-chained audit trail. Also the rules the console applies: who may take over or work a
 * case ({@link dev.subdesk.support.CaseRules}) and how much an agent may refund without a supervisor
 * ({@link dev.subdesk.support.AgentRefunds}).
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Support",
		allowedDependencies = { "shared", "events", "accounts", "billing", "subscriptions", "cancellation",
				"staff" })
package dev.subdesk.support;
