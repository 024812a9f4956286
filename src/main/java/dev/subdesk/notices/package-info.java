/**
 * Customer notices (emails): written by this module's listeners of the events other modules publish when they change
 * state (invariant 12; see {@link dev.subdesk.notices.EventNotices}), stored in the change's transaction, then
 * delivered over SMTP when a mail server is configured. No other module composes a notice or stores one; the API,
 * pages and console only read them. Every notice ends with how to cancel and the vendor's official support channels
 * (from module channels).
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Notices",
		allowedDependencies = { "shared", "channels", "events", "catalog", "jurisdictions", "accounts", "billing",
				"subscriptions", "cancellation", "support", "intake", "renewals" })
package dev.subdesk.notices;
