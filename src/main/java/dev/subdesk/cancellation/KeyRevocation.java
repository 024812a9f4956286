package dev.subdesk.cancellation;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A receipt signing key revoked ({@link Receipts#revoke}): from {@code revokedAt} on it is not published and its
 * receipts do not verify; {@code rotatedTo} names the key made current in its place when it was the current one.
 */
public record KeyRevocation(String keyId, Instant revokedAt, @Nullable String rotatedTo) {
}
