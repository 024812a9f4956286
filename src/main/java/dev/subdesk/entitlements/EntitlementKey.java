package dev.subdesk.entitlements;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A published public key of the entitlement tokens: {@code x} is base64url (no padding) of the raw 32 Ed25519 bytes,
 * as in an OKP JWK (RFC 8037). It signs from {@code signsFrom} (a rotated-in key is published before it signs) until
 * {@code retiredAt}, null for the newest key; a retired key is published until {@code publishedUntil}, when the last
 * token it signed has expired.
 */
public record EntitlementKey(String kid, String x, Instant createdAt, @Nullable Instant retiredAt,
		@Nullable Instant publishedUntil, Instant signsFrom) {
}
