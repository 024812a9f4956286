/**
 * Entitlements: what a customer may use now (a product of each ACTIVE or PAST_DUE subscription, until when), and the
 * signed entitlement token a device shows offline (a compact JWS, EdDSA with Ed25519) with the JWK Set that
 * verifies it. It asks subscriptions, devices and billing (whether a period's charge was refunded in full) through
 * their public APIs and changes none of them. The signing key is
 * kept sealed under a key-encryption key from the environment and can be rotated; a retired key stays published
 * until every token it signed has expired.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Entitlements",
		allowedDependencies = { "shared", "sealing", "catalog", "billing", "subscriptions", "devices" })
package dev.subdesk.entitlements;
