package dev.subdesk.events;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One stored event. {@code data} is the JSON text of the resource as the API returned it when the change was made;
 * {@code position} orders events by insertion across subjects, {@code sequence} within one subject.
 */
public record RecordedEvent(long position, String id, EventType type, String subjectId, long sequence,
		@Nullable String accountId, String data, Instant createdAt) {
}
