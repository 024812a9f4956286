package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Pub/Sub push with a good token (Google's token is good for an hour, so whoever holds one can send any body with
 * it) whose envelope or notification the database could not store as it is: a {@code messageId} with U+0000, one too
 * long for the notifications' index, an event time PostgreSQL has no timestamp for, a purchase token with U+0000 or
 * longer than any Google gives, a body or notification that is not UTF-8. Each is {@code 400 VALIDATION_FAILED}
 * naming the field, never a {@code 500}, and nothing is recorded.
 */
class GooglePlayNotificationBodiesIntegrationTests extends ApiIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();
	private static final String PACKAGE = "example.acme.app";

	@Autowired
	Clock clock;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	SandboxPlaySubscriptions play;

	private Instant now;

	@BeforeEach
	void setUp() {
		now = clock.instant().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
	}

	private String bearer() {
		return "Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(now).build());
	}

	/** Google Play's test notification, with {@code eventTimeMillis} as given (none when null). */
	private static String testNotification(Object eventTimeMillis) {
		Map<String, Object> notification = new LinkedHashMap<>();
		notification.put("version", "1.0");
		notification.put("packageName", PACKAGE);
		if (eventTimeMillis != null) {
			notification.put("eventTimeMillis", eventTimeMillis);
		}
		notification.put("testNotification", Map.of("version", "1.0"));
		return base64(JSON.writeValueAsString(notification).getBytes(StandardCharsets.UTF_8));
	}

	private static String base64(byte[] bytes) {
		return Base64.getEncoder().encodeToString(bytes);
	}

	private static Map<String, Object> push(String data, String messageId) {
		return Map.of("message", Map.of("data", data, "messageId", messageId),
				"subscription", "projects/acme-test/subscriptions/rtdn-push");
	}

	private Api.Response send(Object body) {
		return api.with("Authorization", bearer()).post("/channels/google/rtdn", body);
	}

	private int recorded(String messageIdPart) {
		return jdbc.sql("SELECT count(*) FROM store_notifications WHERE store = 'GOOGLE_PLAY' AND notification_id LIKE :id")
			.param("id", "%" + messageIdPart + "%")
			.query(Integer.class)
			.single();
	}

	private static void assertRefused(Api.Response answer, String field) {
		assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
		assertThat(answer.code()).isEqualTo("VALIDATION_FAILED");
		assertThat(answer.json().path("errors").findValuesAsString("field")).as(answer.toString()).contains(field);
	}

	@Test
	void aGoodTestNotificationIsRecordedOnce() {
		String id = "2070443601311540" + System.nanoTime();
		Api.Response answer = send(push(testNotification(String.valueOf(now.toEpochMilli())), id));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(recorded(id)).isEqualTo(1);
	}

	@Test
	void aMessageIdWithU0000Is400AndNothingIsRecorded() {
		String mark = UUID.randomUUID().toString();
		assertRefused(send(push(testNotification(String.valueOf(now.toEpochMilli())), "a\u0000b-" + mark)),
				"message.messageId");
		assertThat(recorded(mark)).isZero();
	}

	@Test
	void aMessageIdLongerThan200CharactersIs400AndNothingIsRecorded() {
		String mark = UUID.randomUUID().toString();
		// random, so that PostgreSQL cannot compress it below the index's 2704 bytes
		byte[] noise = new byte[2400];
		new SecureRandom().nextBytes(noise);
		String id = mark + Base64.getUrlEncoder().encodeToString(noise);
		assertThat(id.length()).isGreaterThan(3000);
		assertRefused(send(push(testNotification(String.valueOf(now.toEpochMilli())), id)), "message.messageId");
		assertRefused(send(push(testNotification(String.valueOf(now.toEpochMilli())), mark + "x".repeat(200 - 35))),
				"message.messageId");
		assertThat(recorded(mark)).isZero();
		String longest = mark + "x".repeat(200 - 36);
		assertThat(send(push(testNotification(String.valueOf(now.toEpochMilli())), longest)).status()).isEqualTo(200);
		assertThat(recorded(mark)).isOne();
	}

	@Test
	void aNotificationWithoutEventTimeMillisIs400WhoseDetailNamesTheMissingField() {
		String mark = UUID.randomUUID().toString();
		Api.Response answer = send(push(testNotification(null), mark));
		assertRefused(answer, "message.data");
		assertThat(answer.text("detail")).as(answer.toString()).contains("eventTimeMillis").contains("missing");
		assertThat(answer.json().path("errors").findValuesAsString("message")).as(answer.toString())
			.anySatisfy(message -> assertThat(message).contains("eventTimeMillis").contains("missing"));
		assertThat(recorded(mark)).isZero();
	}

	@Test
	void anEventTimeBeforeTheEpochOrNoIntegerIs400AndNothingIsRecorded() {
		String mark = UUID.randomUUID().toString();
		for (Object eventTime : new Object[] { "-9000000000000000", -9000000000000000L, "-1", "12abc", 1.5, "",
				Map.of("ms", 1) }) {
			assertRefused(send(push(testNotification(eventTime), mark + "-" + UUID.randomUUID())), "message.data");
		}
		assertRefused(send(push(testNotification(null), mark + "-" + UUID.randomUUID())), "message.data");
		assertThat(recorded(mark)).isZero();
		// far in the future counts as now, as before
		String future = mark + "-future";
		assertThat(send(push(testNotification("9000000000000000"), future)).status()).isEqualTo(200);
		assertThat(jdbc.sql("SELECT signed_at FROM store_notifications WHERE notification_id = :id")
			.param("id", future)
			.query(java.sql.Timestamp.class)
			.single()
			.toInstant()).isBetween(now, clock.instant());
		assertThat(send(push(testNotification(0), mark + "-epoch")).status()).isEqualTo(200);
	}

	@Test
	void aPurchaseTokenThatCannotBeStoredIs400AndNothingIsRecorded() {
		String mark = UUID.randomUUID().toString();
		// as JSON escapes: U+0000, an unpaired surrogate, and 803 characters
		for (String token : new String[] { "gp-\\u0000-" + mark, "gp-\\ud800-" + mark, "gp-" + "t".repeat(800) }) {
			// the sandbox knows the token, as Google would know one of its own
			play.put(PACKAGE, JSON.readValue("\"" + token + "\"", String.class),
					new PlaySubscriptionsApi.PlaySubscription("SUBSCRIPTION_STATE_ACTIVE", "antivirus-monthly",
							now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(29)), true, null, false));
			String notification = "{\"version\":\"1.0\",\"packageName\":\"" + PACKAGE + "\",\"eventTimeMillis\":\""
					+ now.toEpochMilli() + "\",\"subscriptionNotification\":{\"version\":\"1.0\",\"notificationType\":4,"
					+ "\"purchaseToken\":\"" + token + "\"}}";
			assertRefused(send(push(base64(notification.getBytes(StandardCharsets.UTF_8)),
					mark + "-" + UUID.randomUUID())), "message.data");
		}
		assertThat(recorded(mark)).isZero();
	}

	@Test
	void aNotificationThatIsNotUtf8Is400AndNothingIsRecorded() {
		String mark = UUID.randomUUID().toString();
		byte[] latin1 = ("{\"version\":\"1.0\",\"packageName\":\"" + PACKAGE + "\",\"eventTimeMillis\":\""
				+ now.toEpochMilli() + "\",\"testNotification\":{\"version\":\"M\u00fcller\"}}")
			.getBytes(StandardCharsets.ISO_8859_1);
		assertRefused(send(push(base64(latin1), mark)), "message.data");
		assertThat(recorded(mark)).isZero();
	}

	@Test
	void aBodyThatIsNotUtf8Is400AndNothingIsRecorded() throws Exception {
		String mark = UUID.randomUUID().toString();
		byte[] body = ("{\"message\":{\"data\":\"" + testNotification(String.valueOf(now.toEpochMilli()))
				+ "\",\"messageId\":\"" + mark + "-\u00e9\"},\"subscription\":\"projects/acme-test/subscriptions/rtdn-push\"}")
			.getBytes(StandardCharsets.ISO_8859_1);
		HttpResponse<String> answer = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/channels/google/rtdn"))
				.header("Authorization", bearer())
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
		assertThat(answer.body()).contains("\"code\":\"VALIDATION_FAILED\"")
			.contains("{\"field\":\"\",\"message\":\"the body is not valid UTF-8\"}");
		assertThat(recorded(mark)).isZero();
	}

	@Test
	void withoutAGoodTokenABadBodyIsStill401() {
		Api.Response answer = api.with("Authorization", null)
			.post("/channels/google/rtdn", push(testNotification(String.valueOf(now.toEpochMilli())), "a\u0000b"));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(401);
	}
}
