package dev.subdesk.entitlements;

import java.time.Instant;

/** A device's signed entitlement: the compact JWS and the instant it expires (its {@code exp}). */
public record EntitlementToken(String token, Instant expiresAt) {
}
