package dev.subdesk.api;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.subdesk.api.Views.ListView;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.events.RecordedEvent;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.SubdeskException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /events}: the stored domain events, newest first, by subject and type (shared/API.md, Webhooks). */
@RestController
class EventsController {

	private final EventLog log;

	private final Paging paging;

	EventsController(EventLog log, Paging paging) {
		this.paging = paging;
		this.log = log;
	}

	/** An event as a webhook delivers it: {@code data} is the stored JSON, as recorded. */
	record EventView(String id, String type, Instant createdAt, String subjectId, long sequence,
			@JsonRawValue String data) {

		static EventView of(RecordedEvent e) {
			return new EventView(e.id(), e.type().wireName(), e.createdAt(), e.subjectId(), e.sequence(), e.data());
		}
	}

	@GetMapping("/api/v1/events")
	ListView<EventView> list(@RequestParam(required = false) @Nullable String subjectId,
			@RequestParam(required = false) @Nullable String type, @RequestParam(required = false) @Nullable String limit,
			@RequestParam(required = false) @Nullable String cursor) {
		// an empty filter is no filter (the contract writes the list as /events?subjectId=&type=); a blank one is wrong
		subjectId = subjectId == null || subjectId.isEmpty() ? null : subjectId;
		type = type == null || type.isEmpty() ? null : type;
		EventType wanted = null;
		if (type != null) {
			wanted = EventType.ofWireName(type)
				.orElseThrow(() -> SubdeskException.invalid("type", "is not an event type of the contract"));
		}
		if (subjectId != null && (subjectId.isBlank() || !JsonBody.storable(subjectId))) {
			throw SubdeskException.invalid("subjectId", "must be an id or a case number");
		}
		return paging.list(log.page(subject(subjectId), wanted, paging.of(limit, cursor)), EventView::of);
	}

	/**
	 * The subject as its events are stored: a case's events are about its number, stored upper case, and a number
	 * is looked up ignoring letter case (shared/API.md), so a case number in any letter case is that case's. The other
	 * subjects are ids (subscription, account), taken as given. (No other customer-facing number is an event's
	 * subject: an order number or a cancellation's confirmation number names no events.)
	 */
	static @Nullable String subject(@Nullable String subjectId) {
		if (subjectId == null) {
			return null;
		}
		String number = Ids.normalizeNumber(subjectId);
		return number.startsWith(CASE_PREFIX) ? number : subjectId;
	}

	private static final String CASE_PREFIX = "CASE-";
}
