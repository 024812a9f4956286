package dev.subdesk.notices;

import dev.subdesk.events.RecordedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Notices as listeners of the event log (DESIGN.md invariant 12): the module that changed state records its event,
 * and the notice is written here from the event's {@code data}, synchronously, in the change's transaction (a crash
 * loses both or neither). Once-only notices are kept once by the database (V141), so a repeated event stores no
 * second notice. So far: the WELCOME of {@code account.created}.
 */
@Component
class EventNotices {

	private final Notices notices;

	private final JsonMapper json;

	EventNotices(Notices notices, JsonMapper json) {
		this.notices = notices;
		this.json = json;
	}

	@EventListener
	void on(RecordedEvent event) {
		switch (event.type()) {
			case ACCOUNT_CREATED -> welcome(json.readTree(event.data()));
			default -> {
			}
		}
	}

	private void welcome(JsonNode account) {
		String id = account.path("id").asString();
		Letter letter = notices.letterFor(account.path("country").asString());
		notices.send(letter, id, account.path("email").asString(), NoticeType.WELCOME, letter.text("welcome.subject"),
				letter.text("welcome.body", account.path("name").asString()), id);
	}
}
