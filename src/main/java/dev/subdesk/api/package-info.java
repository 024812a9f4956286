/**
 * The public REST API of shared/API.md: controllers, request validation, problem+json errors, API keys and
 * idempotency keys. Controllers are thin; every rule lives in the module that owns it. The list cursors it gives are
 * signed with a key derived from sealing's key-encryption key (Paging).
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "REST API",
		allowedDependencies = { "shared", "clock", "catalog", "channels", "notices", "accounts", "subscriptions", "billing",
				"cancellation", "devices", "entitlements", "renewals", "support", "events", "webhooks", "stores", "checkout", "idempotency", "sealing" })
package dev.subdesk.api;
