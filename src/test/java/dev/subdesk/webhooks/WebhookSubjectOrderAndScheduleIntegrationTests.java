package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import dev.subdesk.events.EventType;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * One subject's order at an endpoint and the retry schedule, against real local receivers, with the server's
 * dispatcher stopped and a node of the test's own stepped on the test clock (shared/API.md: "the events of one
 * subject are delivered in sequence order (a later one waits while an earlier one is retried)"; retries until 3 days
 * have passed; a manual retry is "sent again now, outside the subject's order"), and a damaged stored secret that
 * must hold back only its own endpoint.
 */
@SubdeskIntegrationTest
class WebhookSubjectOrderAndScheduleIntegrationTests extends WebhookTestSupport {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private Dispatcher node;

	@BeforeEach
	void stopTheServersDispatcherForTheTestsNode() {
		stopTheServersDispatcher();
		node = ownNode(clock, properties);
	}

	private String endpoint(Receiver receiver) {
		return register(receiver.url(), List.of("*"), "subject order").endpoint().id();
	}

	private static String subject() {
		return subject("sub_o");
	}

	private String append(String subject) {
		return append(EventType.SUBSCRIPTION_UPDATED, subject).id();
	}

	private static long sequence(String body) {
		return JSON.readTree(body).path("sequence").asLong();
	}

	private static String subjectOf(String body) {
		return JSON.readTree(body).path("subjectId").asString();
	}

	/** The sequences of the subject's requests the receiver got, in arrival order. */
	private static List<Long> sequencesSent(Receiver receiver, String subject) {
		return receiver.received().stream().filter(r -> subjectOf(r.body()).equals(subject))
			.map(r -> sequence(r.body()))
			.toList();
	}

	/** One round of the test's node: fan out, claim, send; then waits until every outcome of it is recorded. */
	private void step(String... endpointIds) {
		node.step();
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			node.recordSuccesses();
			return jdbc.sql("SELECT count(*) FROM webhook_delivery WHERE endpoint_id = ANY (:ids) AND claim_token IS NOT NULL")
				.param("ids", endpointIds)
				.query(Long.class)
				.single() == 0;
		});
	}

	/**
	 * Sequence 1 of a subject failed and waits for its retry, sequence 2 waits behind it; its owner retries sequence 1
	 * by hand. The retry goes out at once, and sequence 2 still waits for it: a claim that sent both had the receiver
	 * take sequence 2 while sequence 1 failed again (the order check left the manual retry out of the subject's
	 * earliest PENDING delivery).
	 */
	@Test
	void aManualRetryOfASubjectsEarlierEventStillHoldsBackItsLaterOnes() throws Exception {
		Receiver receiver = receiver();
		receiver.answerByBody(body -> sequence(body) == 1 ? 500 : 200);
		String id = endpoint(receiver);
		String subject = subject();
		String first = append(subject);
		String second = append(subject);
		step(id);
		assertThat(sequencesSent(receiver, subject)).as("sequence 2 waits behind the failed 1").containsExactly(1L);
		Delivery failed = deliveryOf(id, first);
		assertThat(failed.status()).isEqualTo(Delivery.Status.PENDING);
		assertThat(failed.lastStatusCode()).isEqualTo(500);

		endpoints.retry(id, failed.id());
		step(id);

		assertThat(sequencesSent(receiver, subject)).as("the retry is sent at once, sequence 2 still waits")
			.containsExactly(1L, 1L);
		Delivery waiting = deliveryOf(id, second);
		assertThat(waiting.status()).as(waiting.toString()).isEqualTo(Delivery.Status.PENDING);
		assertThat(waiting.attempts()).isZero();
		assertThat(deliveryOf(id, first).attempts()).isEqualTo(2);

		// once sequence 1 gets through on its schedule, sequence 2 follows
		receiver.answerByBody(body -> 200);
		clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
		step(id);
		step(id);
		assertThat(receiver.accepted().stream().filter(r -> subjectOf(r.body()).equals(subject))
			.map(r -> sequence(r.body()))).containsExactly(1L, 2L);
		assertThat(deliveryOf(id, second).status()).isEqualTo(Delivery.Status.SUCCEEDED);
	}

	/**
	 * Sequence 1 of a subject is refused (400) on every attempt for 3 days while the endpoint takes other subjects'
	 * events; sequence 2 waited behind it all that time. When its turn comes, it gets the whole retry schedule from
	 * its own first attempt: its first attempt fails (500), its retry succeeds. (Counted from when the delivery was
	 * made, its 3 days had passed while it waited: one attempt, then FAILED.)
	 */
	@Test
	void anEventThatWaitedBehindAFailingOneGetsTheRetryScheduleFromItsOwnFirstAttempt() throws Exception {
		Receiver receiver = receiver();
		String subject = subject();
		AtomicInteger secondsAttempts = new AtomicInteger();
		receiver.answerByBody(body -> !subjectOf(body).equals(subject) ? 200
				: sequence(body) == 1 ? 400 : secondsAttempts.incrementAndGet() == 1 ? 500 : 200);
		String id = endpoint(receiver);
		String first = append(subject);
		String second = append(subject);
		while (node.fanOut() > 0) {
			// fan both out
		}
		Instant start = clock.instant();
		boolean otherSent = false;

		while (deliveryOf(id, second).status() == Delivery.Status.PENDING
				&& clock.instant().isBefore(start.plus(Duration.ofDays(4)))) {
			step(id);
			clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
			if (!otherSent && clock.instant().isAfter(start.plus(Duration.ofDays(2)))) {
				// another subject's event gets through: the endpoint is not one whose every delivery fails
				append(subject());
				otherSent = true;
			}
		}

		Delivery refused = deliveryOf(id, first);
		assertThat(refused.status()).isEqualTo(Delivery.Status.FAILED);
		assertThat(refused.attempts()).isGreaterThan(6);
		Delivery waited = deliveryOf(id, second);
		assertThat(waited.status()).as(waited.toString()).isEqualTo(Delivery.Status.SUCCEEDED);
		assertThat(waited.attempts()).isEqualTo(2);
		assertThat(sequencesSent(receiver, subject)).last().isEqualTo(2L);
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.ENABLED);
	}

	/**
	 * The endpoint's own rule is unchanged: an endpoint whose every delivery failed for 3 days is DISABLED, and the
	 * delivery that waited behind the failing one ends FAILED unsent, however recently its own turn would have come.
	 */
	@Test
	void anEndpointWhoseEveryDeliveryFailedForThreeDaysIsStillDisabledWhileALaterEventWaits() throws Exception {
		Receiver receiver = receiver();
		receiver.answerByBody(body -> sequence(body) == 1 ? 400 : 500);
		String id = endpoint(receiver);
		String subject = subject();
		String first = append(subject);
		String second = append(subject);
		while (node.fanOut() > 0) {
			// fan both out
		}
		Instant start = clock.instant();

		while (endpoints.get(id).status() == WebhookEndpoint.Status.ENABLED
				&& clock.instant().isBefore(start.plus(Duration.ofDays(4)))) {
			step(id);
			clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
		}

		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.DISABLED);
		assertThat(clock.instant()).isBetween(start.plus(Duration.ofDays(3)), start.plus(Duration.ofDays(3)).plus(Duration.ofHours(2)));
		assertThat(deliveryOf(id, first).status()).isEqualTo(Delivery.Status.FAILED);
		Delivery waited = deliveryOf(id, second);
		assertThat(waited.status()).isEqualTo(Delivery.Status.FAILED);
		assertThat(waited.attempts()).isZero();
		assertThat(waited.lastError()).isEqualTo(Dispatcher.GIVEN_UP_ERROR);
	}

	/**
	 * A stored sealed secret too short to be one (shorter than a nonce and a tag) does not open: that endpoint's
	 * delivery waits, not the healthy endpoint's of the same round. (Opening it threw an IllegalArgumentException
	 * where a secret that does not open throws an IllegalStateException, and the whole round's claims were given up
	 * to lapse and fail again every lease.)
	 */
	@Test
	void aStoredSecretTooShortToBeSealedHoldsBackOnlyItsOwnEndpoint() throws Exception {
		Receiver damagedReceiver = receiver();
		Receiver healthyReceiver = receiver();
		String damaged = endpoint(damagedReceiver);
		String healthy = endpoint(healthyReceiver);
		jdbc.sql("UPDATE webhook_endpoint SET sealed_secret = '\\x01'::bytea WHERE id = :id").param("id", damaged).update();
		String event = append(subject());

		while (node.fanOut() > 0) {
			// fan it out to both
		}
		assertThatCode(() -> step(damaged, healthy)).as("a round with both endpoints' deliveries")
			.doesNotThrowAnyException();

		assertThat(deliveryOf(healthy, event).status()).isEqualTo(Delivery.Status.SUCCEEDED);
		assertThat(healthyReceiver.accepted()).hasSize(1);
		Delivery waiting = deliveryOf(damaged, event);
		assertThat(waiting.status()).isEqualTo(Delivery.Status.PENDING);
		assertThat(waiting.lastError()).contains("cannot be opened");
		assertThat(damagedReceiver.received()).isEmpty();
		assertThat(endpoints.get(damaged).status()).as("not the receiver's fault")
			.isEqualTo(WebhookEndpoint.Status.ENABLED);
	}
}
