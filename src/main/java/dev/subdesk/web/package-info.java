/**
 * The customer's web pages: "Cancel contracts here" without signing in (§ 312k BGB), sign-in with a one-time
 * code, "My subscriptions" with a cancel flow of at most three clicks, printable receipts, the page of official
 * support channels and the check of a number, link or email against them. Server-rendered, working without
 * JavaScript, in English and German. It calls the same services as the REST API; it has no business rules of
 * its own beyond who may see what.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Web pages",
		allowedDependencies = { "shared", "clock", "catalog", "notices", "accounts", "subscriptions", "billing",
				"cancellation", "devices", "entitlements", "support", "channels", "stores", "checkout" })
package dev.subdesk.web;
