package dev.subdesk.notices;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A stored notice. {@code body} is null once the account's personal data has been erased. {@code deliveryError}
 * says why a {@link DeliveryStatus#FAILED FAILED} notice was not delivered, and is null otherwise.
 */
public record Notice(String id, NoticeType type, String to, String subject, @Nullable String body, Instant createdAt,
		@Nullable Instant sentAt, String relatedId, long seq, DeliveryStatus deliveryStatus,
		@Nullable String deliveryError) {
}
