package dev.subdesk.notices;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A stored notice. {@code body} is null once the account's personal data has been erased. */
public record Notice(String id, NoticeType type, String to, String subject, @Nullable String body, Instant createdAt,
		@Nullable Instant sentAt, String relatedId, long seq) {
}
