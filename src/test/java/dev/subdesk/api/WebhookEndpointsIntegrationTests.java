package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** The webhook endpoints API of shared/API.md (Webhooks 1.1), checked against the API description. */
class WebhookEndpointsIntegrationTests extends ApiIntegrationTest {

	private static final String URL = "https://hooks.acme.example/subdesk";

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	TestClock clock;

	private Api described() {
		return api.checkedAgainstTheDescription();
	}

	/**
	 * The endpoints made here point at a closed port and take every event: left enabled, they would collect the
	 * deliveries of every later test class (one database for the suite) and keep the dispatcher busy with them.
	 */
	@AfterEach
	void deleteTheEndpointsMadeHere() {
		for (JsonNode endpoint : api.get("/webhook-endpoints?limit=100").json().path("data")) {
			if (endpoint.path("url").asString().startsWith("http://127.0.0.1:9/")) {
				api.delete("/webhook-endpoints/" + endpoint.path("id").asString());
			}
		}
	}

	private Api.Response create(Object events) {
		return described().post("/webhook-endpoints",
				Map.of("url", "http://127.0.0.1:9/hook", "events", events, "description", "CRM sync"));
	}

	@Test
	void creatingAnEndpointShowsItsSecretOnceAndNeverAgain() {
		var created = create(List.of("subscription.cancelled", "charge.succeeded"));
		assertThat(created.status()).isEqualTo(201);
		var body = created.json();
		assertThat(body.path("id").asString()).startsWith("we_");
		assertThat(body.path("status").asString()).isEqualTo("ENABLED");
		assertThat(body.path("description").asString()).isEqualTo("CRM sync");
		assertThat(body.path("secret").asString()).matches("whsec_[A-Za-z0-9+/]{43}=");
		assertThat(body.path("events").toString()).isEqualTo("[\"subscription.cancelled\",\"charge.succeeded\"]");

		var fetched = described().get("/webhook-endpoints/" + created.id());
		assertThat(fetched.status()).isEqualTo(200);
		assertThat(fetched.json().has("secret")).isFalse();
		assertThat(fetched.raw()).doesNotContain(body.path("secret").asString());
		var listed = described().get("/webhook-endpoints?limit=100");
		assertThat(listed.status()).isEqualTo(200);
		assertThat(listed.raw()).contains(created.id()).doesNotContain(body.path("secret").asString());
	}

	@Test
	void anUnknownEventTypeIsABadRequestOnEvents() {
		var answer = create(List.of("subscription.renewed", "subscription.exploded"));
		assertThat(answer.status()).isEqualTo(400);
		assertThat(answer.json().path("errors").get(0).path("field").asString()).isEqualTo("events");
		assertThat(create(List.of()).json().path("errors").get(0).path("field").asString()).isEqualTo("events");
		assertThat(create("*").status()).isEqualTo(400);
		assertThat(create(List.of("*")).json().path("events").toString()).isEqualTo("[\"*\"]");
		for (List<String> withAll : List.of(List.of("*", "subscription.exploded"), List.of("subscription.exploded", "*"))) {
			var mixed = create(withAll);
			assertThat(mixed.status()).as("%s", withAll).isEqualTo(400);
			assertThat(mixed.json().path("errors").get(0).path("field").asString()).isEqualTo("events");
		}
		assertThat(create(List.of("*", "refund.issued")).json().path("events").toString()).isEqualTo("[\"*\"]");
	}

	@Test
	void aUrlThatIsNotHttpOrHttpsIsABadRequestOnUrl() {
		for (String url : List.of("ftp://hooks.acme.example/x", "hooks.acme.example", "https://user:pw@acme.example/")) {
			var answer = described().post("/webhook-endpoints", Map.of("url", url, "events", List.of("*")));
			assertThat(answer.status()).as(url).isEqualTo(400);
			assertThat(answer.json().path("errors").get(0).path("field").asString()).isEqualTo("url");
		}
	}

	@Test
	void patchChangesWhatIsGivenAndDeleteRemovesTheEndpoint() {
		String id = create(List.of("*")).id();
		var patched = described().patch("/webhook-endpoints/" + id,
				Map.of("events", List.of("refund.issued"), "status", "DISABLED"));
		assertThat(patched.status()).isEqualTo(200);
		assertThat(patched.json().path("status").asString()).isEqualTo("DISABLED");
		assertThat(patched.json().path("events").toString()).isEqualTo("[\"refund.issued\"]");
		assertThat(patched.json().path("url").asString()).isEqualTo("http://127.0.0.1:9/hook");
		assertThat(described().patch("/webhook-endpoints/" + id, Map.of("status", "PAUSED")).status()).isEqualTo(400);
		assertThat(described().patch("/webhook-endpoints/" + id, Map.of("events", List.of("nope"))).status())
			.isEqualTo(400);

		assertThat(described().delete("/webhook-endpoints/" + id).status()).isEqualTo(204);
		assertThat(described().get("/webhook-endpoints/" + id).status()).isEqualTo(404);
		assertThat(described().delete("/webhook-endpoints/" + id).status()).isEqualTo(404);
		assertThat(described().patch("/webhook-endpoints/we_unknown", Map.of("status", "PAUSED")).status())
			.as("an unknown id in the path before a bad body")
			.isEqualTo(404);
	}

	@Test
	void rotatingTheSecretAnswersANewOne() {
		var created = create(List.of("*"));
		var rotated = described().post("/webhook-endpoints/" + created.id() + "/rotate-secret");
		assertThat(rotated.status()).isEqualTo(200);
		assertThat(rotated.text("secret")).matches("whsec_[A-Za-z0-9+/]{43}=").isNotEqualTo(created.text("secret"));
		assertThat(described().post("/webhook-endpoints/we_unknown/rotate-secret").status()).isEqualTo(404);
	}

	@Test
	void theDeliveriesLogOfANewEndpointIsEmptyAndAnUnknownDeliveryIsNotFound() {
		String id = create(List.of("*")).id();
		var log = described().get("/webhook-endpoints/" + id + "/deliveries");
		assertThat(log.status()).isEqualTo(200);
		assertThat(log.json().path("data").size()).isZero();
		assertThat(described().post("/webhook-endpoints/" + id + "/deliveries/wd_unknown/retry").status())
			.isEqualTo(404);
		assertThat(described().get("/webhook-endpoints/we_unknown/deliveries").status()).isEqualTo(404);
	}

	@Test
	void aRetryToADisabledEndpointIsSentOnceAndTheEndpointStaysDisabled() {
		// nothing listens on port 9 (discard): every attempt fails to connect
		String id = create(List.of("*")).id();
		String subject = "sub_w" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
		String eventId = transactions.execute(tx -> events.append(EventType.SUBSCRIPTION_UPDATED, subject, null,
				Map.of("id", subject, "status", "ACTIVE"))).id();
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveryOf(id, eventId).path("attempts").asInt() > 0);
		assertThat(described().patch("/webhook-endpoints/" + id, Map.of("status", "DISABLED")).status()).isEqualTo(200);
		JsonNode delivery = deliveryOf(id, eventId);
		String retry = "/webhook-endpoints/" + id + "/deliveries/" + delivery.path("id").asString() + "/retry";

		var accepted = described().post(retry);
		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
		int attempts = delivery.path("attempts").asInt();
		// recorded: its next attempt on the schedule, after the retry's (made "now")
		await().atMost(Duration.ofSeconds(20)).until(() -> {
			JsonNode now = deliveryOf(id, eventId);
			return now.path("attempts").asInt() == attempts + 1 && (now.path("status").asString().equals("FAILED")
					|| Instant.parse(now.path("nextAttemptAt").asString()).isAfter(clock.instant()));
		});
		JsonNode failed = deliveryOf(id, eventId);
		assertThat(failed.path("attempts").asInt()).as("sent once").isEqualTo(attempts + 1);
		assertThat(failed.path("lastError").asString()).contains("connect");
		assertThat(failed.path("status").asString()).as("back on the retry schedule, sent once enabled: " + failed)
			.isEqualTo("PENDING");
		assertThat(described().get("/webhook-endpoints/" + id).json().path("status").asString()).isEqualTo("DISABLED");
		assertThat(described().post("/webhook-endpoints/" + id + "/deliveries/wd_unknown/retry").status())
			.as("an unknown delivery is still 404")
			.isEqualTo(404);

		assertThat(described().patch("/webhook-endpoints/" + id, Map.of("status", "ENABLED")).status()).isEqualTo(200);
		assertThat(described().post(retry).status()).isEqualTo(202);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> deliveryOf(id, eventId).path("attempts").asInt() > attempts + 1);
	}

	/** The endpoint's delivery of the event, as the deliveries log shows it (missing while there is none). */
	private JsonNode deliveryOf(String endpointId, String eventId) {
		return described().get("/webhook-endpoints/" + endpointId + "/deliveries?limit=100")
			.json()
			.path("data")
			.values()
			.stream()
			.filter(d -> d.path("eventId").asString().equals(eventId))
			.findFirst()
			.orElse(tools.jackson.databind.node.MissingNode.getInstance());
	}

	@Test
	void everyWebhookEndpointRefusesACallerWithoutTheKey() {
		String id = create(List.of("*")).id();
		Api anonymous = api.with("Authorization", null);
		Api wrong = api.with("Authorization", "Bearer not-the-key");
		for (Api caller : List.of(anonymous, wrong)) {
			assertThat(caller.get("/webhook-endpoints").status()).isEqualTo(401);
			assertThat(caller.post("/webhook-endpoints", Map.of("url", URL, "events", List.of("*"))).status())
				.isEqualTo(401);
			assertThat(caller.get("/webhook-endpoints/" + id).status()).isEqualTo(401);
			assertThat(caller.patch("/webhook-endpoints/" + id, Map.of("status", "DISABLED")).status()).isEqualTo(401);
			assertThat(caller.post("/webhook-endpoints/" + id + "/rotate-secret").status()).isEqualTo(401);
			assertThat(caller.get("/webhook-endpoints/" + id + "/deliveries").status()).isEqualTo(401);
			assertThat(caller.post("/webhook-endpoints/" + id + "/deliveries/wd_x/retry").status()).isEqualTo(401);
			assertThat(caller.delete("/webhook-endpoints/" + id).status()).isEqualTo(401);
		}
		assertThat(api.get("/webhook-endpoints/" + id).json().path("status").asString()).isEqualTo("ENABLED");
		api.delete("/webhook-endpoints/" + id);
	}
}
