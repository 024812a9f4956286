/**
 * Devices and seats. An account has as many seats as the sum of {@code deviceLimit} over its ACTIVE and
 * PAST_DUE subscriptions, add-ons included; a device takes a seat of one subscription and is deactivated
 * when that subscription ends.
 */
@org.jspecify.annotations.NullMarked
@org.springframework.modulith.ApplicationModule(displayName = "Devices",
		allowedDependencies = { "shared", "events", "accounts", "subscriptions" })
package dev.subdesk.devices;
