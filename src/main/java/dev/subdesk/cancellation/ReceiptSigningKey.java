package dev.subdesk.cancellation;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A receipt signing key as the ADMINs' page shows it: when it was made, whether it is the current one (the one that
 * signs new receipts), and when it was revoked, if it was (a time still to come while the nodes move off it).
 */
public record ReceiptSigningKey(String keyId, Instant createdAt, boolean current, @Nullable Instant revokedAt) {
}
