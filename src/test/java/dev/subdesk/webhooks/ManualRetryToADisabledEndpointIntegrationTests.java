package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * {@code POST /webhook-endpoints/{id}/deliveries/{deliveryId}/retry} to a DISABLED endpoint (shared/API.md: "202,
 * sent again now, outside the subject's order"), over HTTP against a real receiver: the delivery is sent once, signed
 * and recorded (failed, it goes back on the retry schedule, sent once the endpoint is enabled); the endpoint stays
 * DISABLED; its other deliveries are neither sent nor failed.
 */
class ManualRetryToADisabledEndpointIntegrationTests extends ApiIntegrationTest {

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TestClock clock;

	private final List<Receiver> receivers = new ArrayList<>();

	private final List<String> made = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		made.forEach(id -> api.delete("/webhook-endpoints/" + id));
		receivers.forEach(Receiver::close);
	}

	private Api described() {
		return api.checkedAgainstTheDescription();
	}

	private Receiver receiver() throws Exception {
		Receiver receiver = new Receiver();
		receivers.add(receiver);
		return receiver;
	}

	private record Endpoint(String id, String secret) {
	}

	private Endpoint endpoint(Receiver receiver) {
		Api.Response created = described().post("/webhook-endpoints",
				Map.of("url", receiver.url(), "events", List.of("*"), "description", "disabled-endpoint retries"));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		made.add(created.id());
		return new Endpoint(created.id(), created.text("secret"));
	}

	private String append(String subject) {
		return transactions.execute(tx -> events.append(EventType.SUBSCRIPTION_UPDATED, subject, null,
				Map.of("id", subject, "status", "ACTIVE"))).id();
	}

	private static String subject() {
		return "sub_r" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
	}

	/** The endpoint's delivery of the event, as the deliveries log shows it (missing while there is none). */
	private JsonNode delivery(String endpoint, String eventId) {
		return described().get("/webhook-endpoints/" + endpoint + "/deliveries?limit=100")
			.json()
			.path("data")
			.values()
			.stream()
			.filter(d -> d.path("eventId").asString().equals(eventId))
			.findFirst()
			.orElse(MissingNode.getInstance());
	}

	private static List<Receiver.Received> requestsFor(Receiver receiver, String eventId) {
		return receiver.received().stream().filter(r -> eventId.equals(r.id())).toList();
	}

	/** A first attempt that failed (the receiver answered 500): PENDING, its next attempt on the schedule. */
	private JsonNode failedOnce(String endpoint, String eventId) {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> delivery(endpoint, eventId).path("lastStatusCode").asInt() == 500);
		JsonNode delivery = delivery(endpoint, eventId);
		assertThat(delivery.path("status").asString()).isEqualTo("PENDING");
		assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
		return delivery;
	}

	private void disable(String endpoint) {
		Api.Response patched = described().patch("/webhook-endpoints/" + endpoint, Map.of("status", "DISABLED"));
		assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
	}

	private Api.Response retry(String endpoint, JsonNode delivery) {
		return described().post("/webhook-endpoints/" + endpoint + "/deliveries/" + delivery.path("id").asString()
				+ "/retry");
	}

	@Test
	void aRetryOfADisabledEndpointsDeliveryIsAcceptedAndSentOnceNowSignedAndTheEndpointStaysDisabled()
			throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		Endpoint endpoint = endpoint(receiver);
		String eventId = append(subject());
		JsonNode before = failedOnce(endpoint.id(), eventId);
		disable(endpoint.id());
		receiver.answer(() -> 204);

		Api.Response accepted = retry(endpoint.id(), before);

		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
		assertThat(accepted.json().path("status").asString()).isEqualTo("PENDING");
		await().atMost(Duration.ofSeconds(20))
			.until(() -> delivery(endpoint.id(), eventId).path("status").asString().equals("SUCCEEDED"));
		List<Receiver.Received> requests = requestsFor(receiver, eventId);
		assertThat(requests).as("the first attempt, then exactly one for the retry").hasSize(2);
		Receiver.Received sent = requests.getLast();
		assertThat(StandardWebhooksVerifier.verifies(endpoint.secret(), sent.id(), sent.timestamp(), sent.body(),
				sent.signature())).as("signed with the endpoint's secret: %s", sent.signature()).isTrue();
		assertThat(sent.json().path("id").asString()).isEqualTo(eventId);
		JsonNode after = delivery(endpoint.id(), eventId);
		assertThat(after.path("attempts").asInt()).isEqualTo(2);
		assertThat(after.path("lastStatusCode").asInt()).isEqualTo(204);
		assertThat(after.path("lastError").isNull()).as(after.toString()).isTrue();
		assertThat(after.path("nextAttemptAt").isNull()).as(after.toString()).isTrue();
		assertThat(described().get("/webhook-endpoints/" + endpoint.id()).json().path("status").asString())
			.as("only its owner enables it again")
			.isEqualTo("DISABLED");
	}

	/** Waits until the outcome of the delivery's attempt number {@code attempts} is recorded (its claim ended). */
	private void recorded(JsonNode delivery, int attempts) {
		await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("""
				SELECT attempts = :attempts AND claim_token IS NULL FROM webhook_delivery WHERE id = :id
				""").param("attempts", attempts).param("id", delivery.path("id").asString()).query(Boolean.class).single());
	}

	/**
	 * A barrier: a delivery to another endpoint, made now, has been sent, so claim rounds have run since (the claim
	 * looks at every endpoint's due work in one statement).
	 */
	private void aClaimRoundHasRun() throws Exception {
		Receiver other = receiver();
		endpoint(other);
		String eventId = append(subject());
		await().atMost(Duration.ofSeconds(20)).until(() -> !requestsFor(other, eventId).isEmpty());
	}

	@Test
	void aFailedRetryToADisabledEndpointGoesBackOnTheScheduleAndItsOtherDeliveriesAreNeitherSentNorFailed()
			throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		Endpoint endpoint = endpoint(receiver);
		String retried = append(subject());
		String other = append(subject());
		JsonNode toRetry = failedOnce(endpoint.id(), retried);
		JsonNode waiting = failedOnce(endpoint.id(), other);
		disable(endpoint.id());
		// an hour later both ordinary retries are due; and the endpoint had been failing for 4 days when its owner
		// disabled it (a failure counted against it now would give up on everything still PENDING there)
		clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
		jdbc.sql("UPDATE webhook_endpoint SET failing_since = :since WHERE id = :id")
			.param("since", Timestamp.from(clock.instant().minus(Duration.ofDays(4))))
			.param("id", endpoint.id())
			.update();

		Api.Response accepted = retry(endpoint.id(), toRetry);

		assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
		recorded(toRetry, 2);
		JsonNode failed = delivery(endpoint.id(), retried);
		assertThat(failed.path("status").asString()).as("back on the retry schedule: " + failed).isEqualTo("PENDING");
		assertThat(failed.path("attempts").asInt()).isEqualTo(2);
		assertThat(failed.path("lastStatusCode").asInt()).isEqualTo(500);
		assertThat(failed.path("lastError").asString()).contains("500");
		assertThat(Instant.parse(failed.path("nextAttemptAt").asString())).as("the schedule's next attempt: " + failed)
			.isAfter(clock.instant());
		assertThat(requestsFor(receiver, retried)).as("sent once for the retry").hasSize(2);
		// the claim that took the retry found the other delivery due as well, and left it
		assertThat(requestsFor(receiver, other)).as("the other delivery is not sent").hasSize(1);
		assertThat(delivery(endpoint.id(), other)).as("nor failed: it waits as it was").isEqualTo(waiting);
		assertThat(described().get("/webhook-endpoints/" + endpoint.id()).json().path("status").asString())
			.isEqualTo("DISABLED");

		// its next attempt due, it is not sent while the endpoint stays DISABLED
		clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
		aClaimRoundHasRun();
		assertThat(requestsFor(receiver, retried)).as("nothing more sent to a DISABLED endpoint").hasSize(2);
		assertThat(requestsFor(receiver, other)).hasSize(1);
		assertThat(delivery(endpoint.id(), retried).path("status").asString()).isEqualTo("PENDING");

		// enabled again, both go out on their schedule
		receiver.answer(() -> 204);
		assertThat(described().patch("/webhook-endpoints/" + endpoint.id(), Map.of("status", "ENABLED")).status())
			.isEqualTo(200);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> delivery(endpoint.id(), other).path("status").asString().equals("SUCCEEDED")
					&& delivery(endpoint.id(), retried).path("status").asString().equals("SUCCEEDED"));
		assertThat(requestsFor(receiver, retried)).hasSize(3);
	}

	/**
	 * A retry that fails while the endpoint is DISABLED is the subject's earliest PENDING delivery again: once its
	 * owner enables the endpoint, it is sent on the schedule and the subject's later events wait behind it
	 * (shared/API.md: delivered in sequence order, retried until 3 days). It was once failed for good, never sent
	 * again, and the later event went out first.
	 */
	@Test
	void aRetryThatFailedWhileTheEndpointWasDisabledIsSentInOrderOnceItIsEnabled() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		Endpoint endpoint = endpoint(receiver);
		String subject = subject();
		String first = append(subject);
		String second = append(subject);
		JsonNode toRetry = failedOnce(endpoint.id(), first);
		assertThat(delivery(endpoint.id(), second).path("attempts").asInt()).as("waits behind the first").isZero();
		disable(endpoint.id());

		assertThat(retry(endpoint.id(), toRetry).status()).isEqualTo(202);
		recorded(toRetry, 2);
		JsonNode failed = delivery(endpoint.id(), first);
		assertThat(failed.path("status").asString()).as("back on the retry schedule: " + failed).isEqualTo("PENDING");
		assertThat(failed.path("nextAttemptAt").isNull()).as(failed.toString()).isFalse();
		assertThat(requestsFor(receiver, second)).isEmpty();

		receiver.answer(() -> 204);
		assertThat(described().patch("/webhook-endpoints/" + endpoint.id(), Map.of("status", "ENABLED")).status())
			.isEqualTo(200);
		clock.moveTo(Instant.parse(failed.path("nextAttemptAt").asString()).plusSeconds(1));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> delivery(endpoint.id(), second).path("status").asString().equals("SUCCEEDED"));
		assertThat(delivery(endpoint.id(), first).path("status").asString()).isEqualTo("SUCCEEDED");
		assertThat(receiver.accepted().stream().map(Receiver.Received::id).filter(List.of(first, second)::contains))
			.as("in sequence order")
			.containsExactly(first, second);
	}

	/**
	 * A manual retry to an ENABLED endpoint that its owner disables while the attempt is at the receiver: failed, it
	 * goes back on the schedule like any failed attempt (sent once the endpoint is enabled again), not failed for
	 * good.
	 */
	@Test
	void aManualRetryInFlightWhenItsEndpointIsDisabledIsNotFailedForGood() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		Endpoint endpoint = endpoint(receiver);
		String eventId = append(subject());
		JsonNode delivery = failedOnce(endpoint.id(), eventId);
		receiver.hold();
		assertThat(retry(endpoint.id(), delivery).status()).isEqualTo(202);
		await().atMost(Duration.ofSeconds(20)).until(() -> delivery(endpoint.id(), eventId).path("attempts").asInt() == 2);
		disable(endpoint.id());
		receiver.release();

		recorded(delivery, 2);
		JsonNode after = delivery(endpoint.id(), eventId);
		assertThat(after.path("status").asString()).as(after.toString()).isEqualTo("PENDING");
		assertThat(after.path("nextAttemptAt").isNull()).as(after.toString()).isFalse();
	}

	@Test
	void twoRetriesInARowToADisabledEndpointAreBothSent() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		Endpoint endpoint = endpoint(receiver);
		String eventId = append(subject());
		JsonNode delivery = failedOnce(endpoint.id(), eventId);
		disable(endpoint.id());

		// the second asked while the first's attempt is still at the receiver
		receiver.hold();
		assertThat(retry(endpoint.id(), delivery).status()).isEqualTo(202);
		await().atMost(Duration.ofSeconds(20)).until(() -> delivery(endpoint.id(), eventId).path("attempts").asInt() == 2);
		assertThat(retry(endpoint.id(), delivery).status()).isEqualTo(202);
		await().atMost(Duration.ofSeconds(20)).until(() -> delivery(endpoint.id(), eventId).path("attempts").asInt() == 3);
		receiver.answer(() -> 204);
		receiver.release();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> delivery(endpoint.id(), eventId).path("status").asString().equals("SUCCEEDED"));
		assertThat(requestsFor(receiver, eventId)).as("the first attempt and one per retry").hasSize(3);

		// and one asked after the last was recorded
		assertThat(retry(endpoint.id(), delivery).status()).isEqualTo(202);
		await().atMost(Duration.ofSeconds(20)).until(() -> requestsFor(receiver, eventId).size() == 4
				&& delivery(endpoint.id(), eventId).path("attempts").asInt() == 4
				&& delivery(endpoint.id(), eventId).path("status").asString().equals("SUCCEEDED"));
		assertThat(requestsFor(receiver, eventId)).allSatisfy(r -> assertThat(StandardWebhooksVerifier
			.verifies(endpoint.secret(), r.id(), r.timestamp(), r.body(), r.signature())).isTrue());
	}

	@Test
	void anOrdinaryAttemptInFlightWhenItsEndpointIsDisabledIsNotFailedForGood() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		receiver.hold();
		Endpoint endpoint = endpoint(receiver);
		String eventId = append(subject());
		await().atMost(Duration.ofSeconds(20)).until(() -> delivery(endpoint.id(), eventId).path("attempts").asInt() == 1);
		disable(endpoint.id());
		receiver.release();

		JsonNode delivery = failedOnce(endpoint.id(), eventId);
		assertThat(delivery.path("nextAttemptAt").isNull()).as(delivery.toString()).isFalse();
	}

	@Test
	void aRetryOfADisabledEndpointsDeliveryRefusesACallerWithoutTheKey() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		Endpoint endpoint = endpoint(receiver);
		String eventId = append(subject());
		JsonNode delivery = failedOnce(endpoint.id(), eventId);
		disable(endpoint.id());
		String path = "/webhook-endpoints/" + endpoint.id() + "/deliveries/" + delivery.path("id").asString()
				+ "/retry";

		for (Api caller : List.of(api.with("Authorization", null), api.with("Authorization", "Bearer not-the-key"),
				api.with("Authorization", "Bearer " + Api.TEST_KEY + "-of-another-vendor"))) {
			Api.Response refused = caller.post(path);
			assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
			assertThat(refused.code()).isEqualTo("UNAUTHORIZED");
		}
		assertThat(delivery(endpoint.id(), eventId)).as("nothing was queued").isEqualTo(delivery);
		assertThat(requestsFor(receiver, eventId)).hasSize(1);
	}
}
