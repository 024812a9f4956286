package dev.subdesk.events;

import org.jspecify.annotations.Nullable;

/** An event to append: its type, subject, account and the value serialized as its {@code data}. */
public record NewEvent(EventType type, String subjectId, @Nullable String accountId, Object data) {
}
