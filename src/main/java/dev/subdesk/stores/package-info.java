/**
 * Store sync: subscriptions an app store bills and Subdesk shows truly. App Store Server Notifications V2 (a JWS
 * whose {@code x5c} chain is verified up to the configured root) and Google Play Real-time Developer Notifications
 * (a Pub/Sub push whose OIDC bearer token is verified, the state then read through {@link PlaySubscriptionsApi})
 * move the subscription through the subscriptions module's own methods. A purchase is tied to an account by the
 * token Subdesk gives the account ({@link StoreAccountTokens}); an unknown token opens a support case instead of
 * guessing. Each notification is applied once, and never over a newer one of the same purchase.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Store sync",
		allowedDependencies = { "shared", "clock", "catalog", "accounts", "subscriptions", "support" })
package dev.subdesk.stores;
