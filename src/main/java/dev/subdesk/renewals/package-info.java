/**
 * The server's jobs, run in due order: scheduled cancellations take effect (then, in later versions,
 * reminders, renewal attempts and expiries). A run is one {@code POST /renewals/run}, one tick of the
 * scheduler, or, during a test-clock advance, each instant at which a job is due.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Renewals",
		allowedDependencies = { "shared", "clock", "catalog", "payments", "accounts", "billing", "subscriptions", "cancellation", "jurisdictions", "events" })
package dev.subdesk.renewals;
