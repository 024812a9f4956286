package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The body a delivery sends is written as text around the event's stored data: it must still be the API's event. */
class DeliveryBodyTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@Test
	void theBodyIsTheEventAsTheApiShowsIt() {
		String body = Dispatcher.body("evt_1", "subscription.renewed", Instant.parse("2026-12-04T10:15:30.123456Z"),
				"sub_A", 7, "{\"status\": \"ACTIVE\", \"amount\": 1299}");

		JsonNode event = JSON.readTree(body);
		assertThat(event.propertyNames()).containsExactly("id", "type", "createdAt", "subjectId", "sequence", "data");
		assertThat(event.path("id").asString()).isEqualTo("evt_1");
		assertThat(event.path("type").asString()).isEqualTo("subscription.renewed");
		assertThat(event.path("createdAt").asString()).as("seconds, as the API").isEqualTo("2026-12-04T10:15:30Z");
		assertThat(event.path("subjectId").asString()).isEqualTo("sub_A");
		assertThat(event.path("sequence").asLong()).isEqualTo(7);
		assertThat(event.path("data")).isEqualTo(JSON.readTree("{\"status\":\"ACTIVE\",\"amount\":1299}"));
	}

	/** Whatever the texts hold (quotes, backslashes, control characters, non-ASCII), the body parses back to them. */
	@Property(tries = 300)
	void anyTextComesBackAsItWas(@ForAll @StringLength(max = 20) @AlphaChars @NumericChars
	@Chars({ '"', '\\', '\n', '\t', '\u0001', '\u2028', 'é', '/', '<' }) String text,
			@ForAll @LongRange(min = 1) long sequence) {
		String data = JSON.writeValueAsString(JSON.createObjectNode().put("note", text));
		String body = Dispatcher.body("evt_" + text, text, Instant.EPOCH, text, sequence, data);

		JsonNode event = JSON.readTree(body);
		assertThat(event.path("id").asString()).isEqualTo("evt_" + text);
		assertThat(event.path("type").asString()).isEqualTo(text);
		assertThat(event.path("subjectId").asString()).isEqualTo(text);
		assertThat(event.path("sequence").asLong()).isEqualTo(sequence);
		assertThat(event.path("data").path("note").asString()).isEqualTo(text);
	}
}
