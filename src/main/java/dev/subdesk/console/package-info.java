/**
 * The agent console at {@code /console}: staff sign-in (AGENT, SUPERVISOR, ADMIN), account search with masked
 * results, caller verification, acting on a verified caller's behalf through the same services as the portal and
 * the API (channel AGENT), the step-up code before the sensitive actions, the supervisors' approval of refunds
 * outside the policy, cases with their timeline and escalation, the supervisors' queue and the audit-chain check, the ADMINs' webhooks page (failing deliveries, retry) and receipt keys page (rotation, revocation).
 * Every view of personal data and every action is in the audit trail and the case. An edge: it translates pages
 * and forms into the domain modules' calls and their records into view records, and owns no table; the staff
 * accounts, passwords, session versions and sign-in lockout are the {@code staff} module's.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Agent console",
		allowedDependencies = { "support", "cancellation", "accounts", "subscriptions", "billing", "catalog", "notices",
				"devices", "shared", "clock", "webhooks", "stores", "checkout", "staff" })
package dev.subdesk.console;
