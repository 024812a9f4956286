/**
 * The agent console at {@code /console}: staff sign-in (AGENT, SUPERVISOR, ADMIN), account search with masked
 * results, caller verification, acting on a verified caller's behalf through the same services as the portal and
 * the API (channel AGENT), the step-up code before the sensitive actions, the supervisors' approval of refunds
 * outside the policy, cases with their timeline and escalation, the supervisors' queue and the audit-chain check, and the ADMINs' webhooks page (failing deliveries, retry).
 * Every view of personal data and every action is in the audit trail and the case.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Agent console",
		allowedDependencies = { "support", "cancellation", "accounts", "subscriptions", "billing", "catalog", "notices",
				"devices", "shared", "clock", "webhooks", "stores", "checkout" })
package dev.subdesk.console;
