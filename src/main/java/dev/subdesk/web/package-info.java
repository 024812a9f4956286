/**
 * The customer's web pages: "Cancel contracts here" without signing in (§ 312k BGB), sign-in with a one-time
 * code, "My subscriptions" with a cancel flow of at most three clicks, printable receipts, the page of official
 * support channels and the check of a number, link or email against them. Server-rendered, working without
 * JavaScript, in English and German. An edge: it translates forms into the domain modules' requests and their
 * results into view records, and owns no table and no business rule beyond who may see what. The public forms'
 * requests, their limits and retention, and the sign-in codes are the {@code intake} module's.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Web pages",
		allowedDependencies = { "shared", "clock", "catalog", "accounts", "subscriptions", "billing", "intake",
				"cancellation", "devices", "entitlements", "support", "channels", "stores", "checkout", "jurisdictions" })
package dev.subdesk.web;
