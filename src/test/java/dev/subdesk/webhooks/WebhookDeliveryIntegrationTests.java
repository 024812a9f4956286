package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.events.EventType;
import dev.subdesk.events.RecordedEvent;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The dispatcher against real local receivers: Standard Webhooks headers and signatures (checked with the test's
 * own verifier), retries on the clock, order per subject, a slow receiver beside a quick one, several dispatchers
 * at once, and events that commit out of position order.
 */
@SubdeskIntegrationTest
class WebhookDeliveryIntegrationTests extends WebhookTestSupport {

	@Autowired
	io.micrometer.core.instrument.MeterRegistry registry;

	@org.springframework.boot.test.web.server.LocalServerPort
	int port;

	private WebhookEndpoint.WithSecret endpoint(Receiver receiver, String... types) {
		return register(receiver.url(), types.length == 0 ? List.of("*") : List.of(types), "test");
	}

	private static String subject() {
		return subject("sub_t");
	}

	/** The accepted requests about {@code subjects}, one per webhook-id (receivers deduplicate), in arrival order. */
	private static List<Receiver.Received> about(Receiver receiver, List<String> subjects) {
		var seen = new LinkedHashSet<String>();
		return receiver.accepted()
			.stream()
			.filter(r -> subjects.contains(r.json().path("subjectId").asString()))
			.filter(r -> seen.add(r.id()))
			.toList();
	}

	@Test
	void aDeliveryCarriesTheEventWithStandardWebhooksHeadersAndASignatureAnIndependentVerifierAccepts()
			throws Exception {
		Receiver receiver = receiver();
		var endpoint = endpoint(receiver);
		String subject = subject();
		RecordedEvent event = append(EventType.SUBSCRIPTION_RENEWED, subject);

		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 1);
		Receiver.Received got = about(receiver, List.of(subject)).getFirst();
		assertThat(got.id()).isEqualTo(event.id()).startsWith("evt_");
		assertThat(got.contentType()).startsWith("application/json");
		assertThat(Long.parseLong(got.timestamp())).as("the server's clock").isBetween(
				clock.instant().getEpochSecond() - 10, clock.instant().getEpochSecond());
		assertThat(StandardWebhooksVerifier.verifies(endpoint.secret(), got.id(), got.timestamp(), got.body(),
				got.signature())).as("signature %s", got.signature()).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(Signatures.newSecret(), got.id(), got.timestamp(), got.body(),
				got.signature())).isFalse();
		var body = got.json();
		assertThat(body.path("id").asString()).isEqualTo(event.id());
		assertThat(body.path("type").asString()).isEqualTo("subscription.renewed");
		assertThat(body.path("subjectId").asString()).isEqualTo(subject);
		assertThat(body.path("sequence").asLong()).isEqualTo(1);
		assertThat(body.path("createdAt").asString()).isEqualTo(event.createdAt().toString());
		assertThat(body.path("data").path("status").asString()).isEqualTo("ACTIVE");

		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
				endpoints.deliveries(endpoint.endpoint().id(), dev.subdesk.shared.Page.Request.first(10)).data())
			.singleElement()
			.satisfies(d -> {
				assertThat(d.status()).isEqualTo(Delivery.Status.SUCCEEDED);
				assertThat(d.attempts()).isEqualTo(1);
				assertThat(d.lastStatusCode()).isEqualTo(204);
				assertThat(d.nextAttemptAt()).isNull();
			}));
	}

	@Test
	void afterARotationBothSecretsSignFor24HoursThenOnlyTheNewOne() throws Exception {
		Receiver receiver = receiver();
		var endpoint = endpoint(receiver);
		String fresh = endpoints.rotateSecret(endpoint.endpoint().id());
		String subject = subject();
		append(EventType.SUBSCRIPTION_UPDATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 1);
		Receiver.Received got = about(receiver, List.of(subject)).getFirst();
		assertThat(got.signature().split(" ")).hasSize(2);
		assertThat(StandardWebhooksVerifier.verifies(endpoint.secret(), got.id(), got.timestamp(), got.body(),
				got.signature())).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(fresh, got.id(), got.timestamp(), got.body(), got.signature()))
			.isTrue();

		clock.moveTo(clock.instant().plus(Duration.ofHours(24)).plusSeconds(1));
		append(EventType.SUBSCRIPTION_UPDATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 2);
		Receiver.Received later = about(receiver, List.of(subject)).get(1);
		assertThat(later.signature().split(" ")).hasSize(1);
		assertThat(StandardWebhooksVerifier.verifies(fresh, later.id(), later.timestamp(), later.body(),
				later.signature())).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(endpoint.secret(), later.id(), later.timestamp(), later.body(),
				later.signature())).isFalse();
	}

	@Test
	void afterTwoRotationsWithin24HoursEachRotatedOutSecretSignsForItsOwn24Hours() throws Exception {
		Receiver receiver = receiver();
		var endpoint = endpoint(receiver);
		String id = endpoint.endpoint().id();
		String first = endpoint.secret();
		String second = endpoints.rotateSecret(id);
		clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
		String third = endpoints.rotateSecret(id);

		String subject = subject();
		append(EventType.SUBSCRIPTION_UPDATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 1);
		Receiver.Received got = about(receiver, List.of(subject)).getFirst();
		assertThat(got.signature().split(" ")).as(got.signature()).hasSize(3);
		for (String secret : List.of(first, second, third)) {
			assertThat(StandardWebhooksVerifier.verifies(secret, got.id(), got.timestamp(), got.body(),
					got.signature())).as("an hour after the second rotation, %s signs", secret).isTrue();
		}

		// 24 hours and a second after the first rotation: the first secret is done, the second has an hour left
		clock.moveTo(clock.instant().plus(Duration.ofHours(23)).plusSeconds(1));
		append(EventType.SUBSCRIPTION_UPDATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 2);
		Receiver.Received later = about(receiver, List.of(subject)).get(1);
		assertThat(later.signature().split(" ")).as(later.signature()).hasSize(2);
		assertThat(StandardWebhooksVerifier.verifies(third, later.id(), later.timestamp(), later.body(),
				later.signature())).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(second, later.id(), later.timestamp(), later.body(),
				later.signature())).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(first, later.id(), later.timestamp(), later.body(),
				later.signature())).isFalse();

		clock.moveTo(clock.instant().plus(Duration.ofHours(1)));
		append(EventType.SUBSCRIPTION_UPDATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 3);
		Receiver.Received last = about(receiver, List.of(subject)).get(2);
		assertThat(last.signature().split(" ")).as(last.signature()).hasSize(1);
		assertThat(StandardWebhooksVerifier.verifies(third, last.id(), last.timestamp(), last.body(),
				last.signature())).isTrue();
	}

	@Test
	void manyRotationsWithin24HoursKeepOnlyTheNewestRotatedOutSecretsSigning() throws Exception {
		Receiver receiver = receiver();
		var endpoint = endpoint(receiver);
		String id = endpoint.endpoint().id();
		List<String> secrets = new ArrayList<>(List.of(endpoint.secret()));
		for (int i = 0; i <= WebhookEndpoints.OLD_SECRETS_KEPT; i++) {
			secrets.add(endpoints.rotateSecret(id));
		}
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", id)
			.query(Long.class)
			.single()).isEqualTo(WebhookEndpoints.OLD_SECRETS_KEPT);

		String subject = subject();
		append(EventType.SUBSCRIPTION_UPDATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 1);
		Receiver.Received got = about(receiver, List.of(subject)).getFirst();
		assertThat(got.signature().split(" ")).hasSize(1 + WebhookEndpoints.OLD_SECRETS_KEPT);
		assertThat(StandardWebhooksVerifier.verifies(secrets.getFirst(), got.id(), got.timestamp(), got.body(),
				got.signature())).as("the oldest beyond the bound").isFalse();
		for (String secret : secrets.subList(1, secrets.size())) {
			assertThat(StandardWebhooksVerifier.verifies(secret, got.id(), got.timestamp(), got.body(),
					got.signature())).isTrue();
		}
	}

	@Test
	void aReceiverThatFailsForAWhileThenRecoversGetsEveryEventInOrderPerSubject() throws Exception {
		Receiver receiver = receiver();
		AtomicInteger failures = new AtomicInteger(12);
		receiver.answer(() -> failures.getAndDecrement() > 0 ? 503 : 200);
		var endpoint = endpoint(receiver);
		List<String> subjects = List.of(subject(), subject(), subject());
		for (int i = 0; i < 4; i++) {
			for (String subject : subjects) {
				append(i == 0 ? EventType.SUBSCRIPTION_CREATED : EventType.SUBSCRIPTION_UPDATED, subject);
			}
		}
		// each failure waits for its retry: move the clock on until every event got through
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
			clock.moveTo(clock.instant().plus(Duration.ofMinutes(31)));
			return about(receiver, subjects).size() == 12;
		});
		for (String subject : subjects) {
			List<Long> sequences = about(receiver, List.of(subject)).stream()
				.map(r -> r.json().path("sequence").asLong())
				.toList();
			assertThat(sequences).as("order of %s", subject).containsExactly(1L, 2L, 3L, 4L);
		}
		// a later event of a subject was never sent while an earlier one was still failing
		Map<String, Long> highest = new HashMap<>();
		for (Receiver.Received r : receiver.received()) {
			String subject = r.json().path("subjectId").asString();
			if (!subjects.contains(subject)) {
				continue;
			}
			long sequence = r.json().path("sequence").asLong();
			assertThat(sequence).as("%s sent before its predecessor succeeded", r.id())
				.isLessThanOrEqualTo(highest.getOrDefault(subject, 0L) + 1);
			if (r.answered() < 300) {
				highest.merge(subject, sequence, Math::max);
			}
		}
		assertThat(endpoints.get(endpoint.endpoint().id()).status()).isEqualTo(WebhookEndpoint.Status.ENABLED);
	}

	@Test
	void aFailedAttemptIsRetriedAfterAboutFiveSecondsAndTheLogShowsWhy() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		var endpoint = endpoint(receiver);
		String subject = subject();
		append(EventType.CHARGE_FAILED, subject);
		String id = endpoint.endpoint().id();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().stream()
				.anyMatch(d -> d.attempts() == 1 && d.lastStatusCode() != null));
		Delivery failed = endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().getFirst();
		Instant at = clock.instant();
		assertThat(failed.status()).isEqualTo(Delivery.Status.PENDING);
		assertThat(failed.lastStatusCode()).isEqualTo(500);
		assertThat(failed.lastError()).contains("500");
		assertThat(failed.nextAttemptAt()).isBetween(at.plusSeconds(3), at.plusSeconds(5));

		receiver.answer(() -> 200);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.delivery(id, failed.id()).status() == Delivery.Status.SUCCEEDED);
		assertThat(endpoints.delivery(id, failed.id()).attempts()).isEqualTo(2);
	}

	@Test
	void aDeliveryFailingForThreeDaysIsFailedAndTheEndpointWhoseEveryDeliveryFailedIsDisabled() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		var endpoint = endpoint(receiver);
		String id = endpoint.endpoint().id();
		append(EventType.CHARGE_FAILED, subject());
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
			clock.moveTo(clock.instant().plus(Duration.ofHours(5)));
			return endpoints.get(id).status() == WebhookEndpoint.Status.DISABLED;
		});
		Delivery delivery = endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().getFirst();
		assertThat(delivery.status()).isEqualTo(Delivery.Status.FAILED);
		assertThat(delivery.nextAttemptAt()).isNull();
		assertThat(delivery.attempts()).isBetween(10, 14);

		// a manual retry sends it again at once, and a success clears the failing streak
		receiver.answer(() -> 200);
		endpoints.update(id, null, null, WebhookEndpoint.Status.ENABLED);
		endpoints.retry(id, delivery.id());
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.delivery(id, delivery.id()).status() == Delivery.Status.SUCCEEDED);
	}

	@Test
	void anEndpointDisabledForFailingLeavesNoDeliveryWaitingForEverAndAManualRetrySendsOneOnceEnabled()
			throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		var endpoint = endpoint(receiver);
		String id = endpoint.endpoint().id();
		append(EventType.CHARGE_FAILED, subject());
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().stream()
				.anyMatch(d -> d.attempts() == 1 && d.lastStatusCode() != null));
		// three days of failures pass at once; then two events of another subject, the second waiting behind the first
		// (their deliveries made before the failing attempt can disable the endpoint, which would leave them unmade)
		dispatcher.stop();
		String waiting = subject();
		try {
			append(EventType.CHARGE_FAILED, waiting);
			append(EventType.CHARGE_SUCCEEDED, waiting);
			while (dispatcher.fanOut() > 0) {
				// until both are fanned out
			}
			clock.moveTo(clock.instant().plus(Duration.ofDays(3)).plusSeconds(3600));
		}
		finally {
			dispatcher.start();
		}

		await().atMost(Duration.ofSeconds(30)).until(() -> endpoints.get(id).status() == WebhookEndpoint.Status.DISABLED
				&& endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().stream()
					.allMatch(d -> d.status() == Delivery.Status.FAILED));
		List<Delivery> deliveries = endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data();
		assertThat(deliveries).hasSize(3).allSatisfy(d -> assertThat(d.nextAttemptAt()).isNull());
		Delivery neverSent = deliveries.stream().filter(d -> d.attempts() == 0).findFirst().orElseThrow();
		assertThat(neverSent.eventType()).isEqualTo(EventType.CHARGE_SUCCEEDED.wireName());
		assertThat(neverSent.lastError()).isEqualTo(Dispatcher.GIVEN_UP_ERROR);
		int received = receiver.received().size();

		receiver.answer(() -> 200);
		endpoints.update(id, null, null, WebhookEndpoint.Status.ENABLED);
		endpoints.retry(id, neverSent.id());
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.delivery(id, neverSent.id()).status() == Delivery.Status.SUCCEEDED);
		assertThat(receiver.received().size()).as("only the retried one is sent").isEqualTo(received + 1);
	}

	/** The endpoint's deliveries of the events made so far, as the deliveries log shows them. */
	private List<Delivery> deliveriesOf(String endpoint, List<String> eventIds) {
		return endpoints.deliveries(endpoint, dev.subdesk.shared.Page.Request.first(100)).data().stream()
			.filter(d -> eventIds.contains(d.eventId()))
			.toList();
	}

	/**
	 * An ordinary attempt in flight to an endpoint that has been failing for more than 3 days, which its owner
	 * disables while the attempt's failure is being recorded: the owner's disabling commits while the recording waits
	 * for the endpoint's row. The endpoint is the owner's DISABLED, not disabled for failing: its PENDING deliveries
	 * are neither sent nor failed, and go out once it is enabled again. (The failure gave up on all of them: the
	 * 3-day rule looked at the endpoint's status and failing streak, not at who disabled it.)
	 */
	@Test
	void aFailureRecordedWhileTheOwnerDisablesAnEndpointFailingForDaysLeavesItsPendingDeliveriesWaiting()
			throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		receiver.hold();
		String id = endpoint(receiver).endpoint().id();
		String subject = subject();
		String inFlight = append(EventType.CHARGE_FAILED, subject).id();
		String waiting = append(EventType.CHARGE_SUCCEEDED, subject).id();
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveriesOf(id, List.of(inFlight, waiting)).size() == 2
				&& deliveryOf(id, inFlight).attempts() == 1);
		jdbc.sql("UPDATE webhook_endpoint SET failing_since = :since WHERE id = :id")
			.param("since", java.sql.Timestamp.from(clock.instant().minus(Duration.ofDays(4))))
			.param("id", id)
			.update();

		transactions.executeWithoutResult(tx -> {
			endpoints.update(id, null, null, WebhookEndpoint.Status.DISABLED); // its row locked until this commits
			receiver.release();
			// the attempt has failed and its recording waits for the endpoint's row
			await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("""
					SELECT count(*) FROM pg_stat_activity
					WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE webhook_endpoint SET failing_since%'
					""").query(Long.class).single() > 0);
		});

		await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("""
				SELECT claim_token IS NULL FROM webhook_delivery WHERE endpoint_id = :endpoint AND event_id = :event
				""").param("endpoint", id).param("event", inFlight).query(Boolean.class).single());
		Delivery failed = deliveryOf(id, inFlight);
		assertThat(failed.status()).as("back on the schedule: %s", failed).isEqualTo(Delivery.Status.PENDING);
		assertThat(failed.nextAttemptAt()).as(failed.toString()).isNotNull();
		assertThat(failed.lastStatusCode()).isEqualTo(500);
		Delivery untouched = deliveryOf(id, waiting);
		assertThat(untouched.status()).as("waits as it was: %s", untouched).isEqualTo(Delivery.Status.PENDING);
		assertThat(untouched.attempts()).isZero();
		assertThat(untouched.lastError()).as(untouched.toString()).isNull();
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.DISABLED);

		// enabled again, both go out on their schedule, in order
		receiver.answer(() -> 204);
		endpoints.update(id, null, null, WebhookEndpoint.Status.ENABLED);
		clock.moveTo(failed.nextAttemptAt().plusSeconds(1));
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveryOf(id, waiting).status() == Delivery.Status.SUCCEEDED);
		assertThat(deliveryOf(id, inFlight).status()).isEqualTo(Delivery.Status.SUCCEEDED);
		assertThat(about(receiver, List.of(subject)).stream().map(Receiver.Received::id).toList())
			.containsExactly(inFlight, waiting);
	}

	/**
	 * The other side of the test above: an endpoint the dispatcher disabled for failing for 3 days gives up on a
	 * delivery whose attempt was in flight meanwhile when that attempt's failure is recorded, as on those that waited.
	 */
	@Test
	void anAttemptInFlightWhenItsEndpointIsDisabledForFailingEndsFailedWhenItFails() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		receiver.hold();
		String id = endpoint(receiver).endpoint().id();
		String first = subject();
		String second = subject();
		List<String> ids = List.of(append(EventType.CHARGE_FAILED, first).id(),
				append(EventType.CHARGE_SUCCEEDED, first).id(), append(EventType.CHARGE_FAILED, second).id());
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveriesOf(id, ids).size() == 3
				&& deliveriesOf(id, ids).stream().filter(d -> d.attempts() == 1).count() == 2);
		jdbc.sql("UPDATE webhook_endpoint SET failing_since = :since WHERE id = :id")
			.param("since", java.sql.Timestamp.from(clock.instant().minus(Duration.ofDays(4))))
			.param("id", id)
			.update();

		receiver.release();

		await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream()
			.allMatch(e -> deliveryOf(id, e).status() == Delivery.Status.FAILED));
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.DISABLED);
		assertThat(deliveryOf(id, ids.get(1)).lastError()).isEqualTo(Dispatcher.GIVEN_UP_ERROR);
	}

	/**
	 * An attempt's outcome that is not recorded, because a manual retry took the delivery over while the attempt was
	 * in flight, is not counted in {@code subdesk_webhook_deliveries_total} either; one that is recorded is.
	 */
	@Test
	void anOutcomeNotRecordedBecauseAManualRetryTookTheDeliveryOverIsNotCounted() {
		var endpoint = register("http://127.0.0.1:9/hook", List.of("*"), "taken over by manual retries");
		String id = endpoint.endpoint().id();
		Dispatcher node = node();
		List<Dispatcher.Claim> claims = new ArrayList<>();
		dispatcher.stop();
		try {
			String failing = append(EventType.CHARGE_FAILED, subject()).id();
			String succeeding = append(EventType.CHARGE_SUCCEEDED, subject()).id();
			while (node.fanOut() > 0) {
				// fan both out
			}
			claims.addAll(node.claim());
			Dispatcher.Claim failed = claimOf(claims, id, failing);
			Dispatcher.Claim succeeded = claimOf(claims, id, succeeding);
			endpoints.retry(id, deliveryOf(id, failing).id());
			endpoints.retry(id, deliveryOf(id, succeeding).id());
			double retrying = counted("retrying");
			double delivered = counted("succeeded");

			node.failed(failed, 500, "answered 500");
			node.succeeded(succeeded, 204, Duration.ofMillis(5));
			node.recordSuccesses();

			assertThat(counted("retrying")).as("a failure not recorded").isEqualTo(retrying);
			assertThat(counted("succeeded")).as("a success not recorded").isEqualTo(delivered);
			assertThat(deliveryOf(id, failing).lastStatusCode()).as("not recorded").isNull();
			assertThat(deliveryOf(id, succeeding).status()).as("not recorded").isEqualTo(Delivery.Status.PENDING);

			// the manual retries' own attempts are recorded, and counted
			claims.addAll(node.claim());
			node.failed(claimOf(claims.reversed(), id, failing), 500, "answered 500");
			node.succeeded(claimOf(claims.reversed(), id, succeeding), 204, Duration.ofMillis(5));
			node.recordSuccesses();
			assertThat(counted("retrying")).isEqualTo(retrying + 1);
			assertThat(counted("succeeded")).isEqualTo(delivered + 1);
		}
		finally {
			jdbc.sql("""
					UPDATE webhook_delivery SET attempts = attempts - 1, claimed_until = NULL, claim_token = NULL
					WHERE claim_token = ANY (:tokens)
					""")
				.param("tokens", claims.stream().map(Dispatcher.Claim::token).distinct().toArray(String[]::new))
				.update();
			dispatcher.start();
		}
	}

	/**
	 * An error quoting a receiver's bytes (an HTTP client's complaint about a malformed answer that it does not clean
	 * up itself) with U+0000, an unpaired surrogate and a pair at the cut: recorded as a failed attempt, retried on the
	 * schedule and counted, rather than a record PostgreSQL refuses (the delivery, never failed, claimed for ever).
	 */
	@Test
	void aFailureWhoseErrorQuotesBytesPostgresCannotStoreIsRecordedAndCounted() {
		var endpoint = register("http://127.0.0.1:9/hook", List.of("*"), "malformed answers");
		String id = endpoint.endpoint().id();
		Dispatcher node = node();
		List<Dispatcher.Claim> claims = new ArrayList<>();
		dispatcher.stop();
		try {
			String failing = append(EventType.CHARGE_FAILED, subject()).id();
			while (node.fanOut() > 0) {
				// fan it out
			}
			claims.addAll(node.claim());
			double retrying = counted("retrying");

			node.failed(claimOf(claims, id, failing), null,
					"could not connect: Bad chunk header: 2\u00000 \ud800" + "x".repeat(480) + "\ud83d\ude00");

			Delivery recorded = deliveryOf(id, failing);
			assertThat(recorded.lastError()).startsWith("could not connect: Bad chunk header: 2\ufffd0 \ufffdx")
				.hasSizeLessThanOrEqualTo(500)
				.doesNotContain("\u0000");
			assertThat(dev.subdesk.shared.StorableText.storable(recorded.lastError())).isTrue();
			assertThat(recorded.status()).isEqualTo(Delivery.Status.PENDING);
			assertThat(recorded.nextAttemptAt()).isNotNull();
			assertThat(counted("retrying")).isEqualTo(retrying + 1);
			assertThat(jdbc.sql("SELECT failing_since IS NOT NULL FROM webhook_endpoint WHERE id = :id")
				.param("id", id)
				.query(Boolean.class)
				.single()).as("counted in the endpoint's failing streak").isTrue();
		}
		finally {
			jdbc.sql("""
					UPDATE webhook_delivery SET attempts = attempts - 1, claimed_until = NULL, claim_token = NULL
					WHERE claim_token = ANY (:tokens)
					""")
				.param("tokens", claims.stream().map(Dispatcher.Claim::token).distinct().toArray(String[]::new))
				.update();
			dispatcher.start();
		}
	}

	/** The first claim of the list for the endpoint's delivery of the event. */
	private Dispatcher.Claim claimOf(List<Dispatcher.Claim> claims, String endpoint, String eventId) {
		String delivery = deliveryOf(endpoint, eventId).id();
		return claims.stream().filter(c -> c.id().equals(delivery)).findFirst().orElseThrow(
				() -> new AssertionError("no claim of " + delivery + " in " + claims));
	}

	private double counted(String outcome) {
		return registry.get("subdesk.webhook.deliveries").tag("outcome", outcome).counter().count();
	}

	@Test
	void aDeliveryWhoseEventIsNoLongerKeptFailsForGoodWithoutCountingAgainstTheEndpoint() throws Exception {
		Receiver receiver = receiver();
		var endpoint = endpoint(receiver);
		String id = endpoint.endpoint().id();
		dispatcher.stop();
		try {
			append(EventType.CHARGE_FAILED, subject());
			dispatcher.fanOut();
			jdbc.sql("DELETE FROM domain_event WHERE position IN (SELECT event_position FROM webhook_delivery WHERE endpoint_id = :id)")
				.param("id", id)
				.update();
		}
		finally {
			dispatcher.start();
		}
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().getFirst().status()
					== Delivery.Status.FAILED);
		Delivery gone = endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().getFirst();
		assertThat(gone.attempts()).isEqualTo(1);
		assertThat(gone.lastError()).contains("no longer kept");
		assertThat(receiver.received()).isEmpty();
		assertThat(jdbc.sql("SELECT failing_since IS NULL FROM webhook_endpoint WHERE id = :id").param("id", id)
			.query(Boolean.class).single()).as("not the endpoint's fault").isTrue();
	}

	@Test
	void aManualRetryOfADeliveryInFlightIsSentAgainWhateverTheAttemptInFlightGets() throws Exception {
		Receiver receiver = receiver();
		receiver.hold();
		String id = endpoint(receiver).endpoint().id();
		append(EventType.CHARGE_FAILED, subject());
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().stream()
				.anyMatch(d -> d.attempts() == 1));
		Delivery inFlight = endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().getFirst();

		endpoints.retry(id, inFlight.id());
		receiver.release();

		await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received().size() == 2
				&& endpoints.delivery(id, inFlight.id()).status() == Delivery.Status.SUCCEEDED);
		assertThat(receiver.received()).extracting(Receiver.Received::id).as("the same event, sent again")
			.containsOnly(receiver.received().getFirst().id());
		assertThat(endpoints.delivery(id, inFlight.id()).attempts()).isEqualTo(2);
	}

	@Test
	void anEditOfAnEndpointHoldsUpNeitherTheFanOutNorTheRecordingOfItsAttempts() throws Exception {
		Receiver receiver = receiver();
		String id = endpoint(receiver).endpoint().id();
		String subject = subject();
		transactions.executeWithoutResult(tx -> {
			endpoints.update(id, receiver.url(), null, null); // its row stays locked until this transaction ends
			java.util.concurrent.CompletableFuture.runAsync(() -> append(EventType.CHARGE_FAILED, subject)).join();
			await().atMost(Duration.ofSeconds(20))
				.until(() -> endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(5)).data().stream()
					.anyMatch(d -> d.status() == Delivery.Status.SUCCEEDED));
		});
		assertThat(about(receiver, List.of(subject))).hasSize(1);
	}

	@Test
	void aSlowReceiverDoesNotHoldBackAnotherEndpoint() throws Exception {
		Receiver slow = receiver();
		slow.hold();
		Receiver quick = receiver();
		endpoint(slow);
		endpoint(quick);
		List<String> subjects = IntStream.range(0, 20).mapToObj(i -> subject()).toList();
		subjects.forEach(s -> append(EventType.DEVICE_ACTIVATED, s));
		await().atMost(Duration.ofSeconds(20)).until(() -> about(quick, subjects).size() == 20);
		assertThat(about(slow, subjects)).as("the slow one is still holding its first requests").isEmpty();
		slow.release();
		await().atMost(Duration.ofSeconds(90)).until(() -> about(slow, subjects).size() == 20);
	}

	@Test
	void aLargeOldBacklogOfAReceiverThatIsDownDoesNotHoldBackAnotherEndpoint() throws Exception {
		var down = register("http://127.0.0.1:9/hook", List.of("*"), "down for hours");
		int backlog = properties.batch() * 3;
		List<String> old = IntStream.range(0, backlog).mapToObj(i -> subject()).toList();
		dispatcher.stop();
		try {
			transactions.executeWithoutResult(tx -> old.forEach(subject -> events.append(EventType.DEVICE_ACTIVATED,
					subject, null, Map.of("id", subject, "status", "ACTIVE"))));
			while (dispatcher.fanOut() > 0) {
				// fan the backlog out
			}
			// hours later: every retry of the dead receiver is due, and due before anything new
			jdbc.sql("""
					UPDATE webhook_delivery SET attempts = 1, last_error = 'could not connect', next_attempt_at = :at
					WHERE endpoint_id = :e AND status = 'PENDING'
					""")
				.param("at", java.sql.Timestamp.from(clock.instant().minus(Duration.ofHours(1))))
				.param("e", down.endpoint().id())
				.update();
		}
		finally {
			dispatcher.start();
		}

		Receiver quick = receiver();
		endpoint(quick);
		List<String> subjects = IntStream.range(0, 20).mapToObj(i -> subject()).toList();
		subjects.forEach(s -> append(EventType.DEVICE_ACTIVATED, s));
		await().atMost(Duration.ofSeconds(20)).until(() -> about(quick, subjects).size() == 20);
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_delivery WHERE endpoint_id = :e AND status = 'PENDING'")
			.param("e", down.endpoint().id())
			.query(Long.class)
			.single()).as("the dead receiver's backlog is still there").isGreaterThanOrEqualTo((long) backlog);
	}

	/**
	 * The claim's plan holds whatever the statistics say (a burst makes them wrong: taken while nothing was PENDING,
	 * or never taken): a subject's order is checked through its own index. Planned otherwise, a claim over a few hundred PENDING rows took seconds (the test above timed out).
	 */
	@Test
	void theClaimsPlanDoesNotDependOnTheStatistics() {
		var down = register("http://127.0.0.1:9/hook", List.of("*"), "down");
		dispatcher.stop();
		try {
			transactions.executeWithoutResult(tx -> IntStream.range(0, 300).forEach(i -> events.append(
					EventType.DEVICE_ACTIVATED, subject(), null, Map.of("n", i))));
			while (dispatcher.fanOut() > 0) {
				// fan out
			}
			String before = claimPlan();
			jdbc.sql("ANALYZE webhook_delivery").update();
			String after = claimPlan();
			for (String plan : List.of(before, after)) {
				assertThat(plan).as(plan).contains("using webhook_delivery_subject on webhook_delivery p");
			}
		}
		finally {
			dispatcher.start();
		}
	}

	/**
	 * Statistics taken while the table was almost empty (a quiet night, a new install), then a burst: planned with
	 * them, the claim once ran the whole per-endpoint scan again for every PENDING row, each time with an order check
	 * that read all of the endpoint's PENDING rows (a nested loop over bitmap scans; found with auto_explain in the
	 * webhook benchmark, where one claim over 50,000 PENDING rows ran for 183 s while nothing was delivered and the
	 * leases lapsed). Shown here in one transaction that is rolled back: the table emptied and analyzed, then filled.
	 */
	@Test
	void theClaimsPlanHoldsWhenTheStatisticsSawAnEmptyTable() {
		var down = register("http://127.0.0.1:9/hook", List.of("*"), "down");
		dispatcher.stop();
		try {
			String plan = transactions.execute(tx -> {
				// a table of many pages whose rows are all gone (an earlier burst, delivered and purged) when
				// analyzed, then a burst of new PENDING rows
				String fill = """
						INSERT INTO webhook_delivery (id, endpoint_id, event_position, event_id, event_type, subject_id,
						    sequence, status, next_attempt_at, created_at)
						SELECT 'wd_plan_' || :round || '_' || i, :endpoint, i, 'evt_plan_' || :round || '_' || i,
						    'subscription.renewed', 'sub_plan_' || (i / 2), 1 + i % 2, 'PENDING', :at, :at
						FROM generate_series(0, :rows - 1) AS i
						""";
				java.sql.Timestamp due = java.sql.Timestamp.from(clock.instant().minusSeconds(1));
				jdbc.sql(fill).param("round", "a").param("rows", 30_000).param("endpoint", down.endpoint().id())
					.param("at", due).update();
				jdbc.sql("DELETE FROM webhook_delivery").update();
				jdbc.sql("ANALYZE webhook_delivery").update();
				jdbc.sql(fill).param("round", "b").param("rows", 2_000).param("endpoint", down.endpoint().id())
					.param("at", due).update();
				String claimPlan = claimPlan("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ");
				tx.setRollbackOnly();
				return claimPlan;
			});
			long enabled = jdbc.sql("SELECT count(*) FROM webhook_endpoint WHERE status = 'ENABLED'").query(Long.class).single();
			java.util.regex.Matcher scan = java.util.regex.Pattern
				.compile("Index Scan using webhook_delivery_due_per_endpoint on webhook_delivery \\w+ \\(actual rows=\\d+ loops=(\\d+)\\)")
				.matcher(plan);
			assertThat(scan.find()).as(plan).isTrue();
			assertThat(Long.parseLong(scan.group(1))).as("the per-endpoint scan runs once per endpoint: " + plan)
				.isLessThanOrEqualTo(enabled);
			assertThat(plan).as(plan)
				.doesNotContain("Bitmap Heap Scan on webhook_delivery")
				.doesNotContain("Seq Scan on webhook_delivery")
				.contains("using webhook_delivery_subject on webhook_delivery p")
				.contains("Update on webhook_delivery d (actual rows=16 loops=1)");
		}
		finally {
			// the emptied table's row count stays in pg_class after the rollback: take the statistics again
			jdbc.sql("ANALYZE webhook_delivery").update();
			dispatcher.start();
		}
	}

	/**
	 * The claim finds the manual retries of a DISABLED endpoint (sent once, shared/API.md) through their own partial
	 * index, and never reads that endpoint's ordinary backlog, however large: a claim that looked for them among all
	 * of a DISABLED endpoint's PENDING rows read every disabled endpoint's backlog at every round. Shown in one
	 * transaction that is rolled back.
	 */
	@Test
	void theClaimFindsTheManualRetriesOfADisabledEndpointWithoutReadingItsBacklog() {
		var down = register("http://127.0.0.1:9/hook", List.of("*"), "disabled, with a backlog");
		dispatcher.stop();
		try {
			String plan = transactions.execute(tx -> {
				java.sql.Timestamp due = java.sql.Timestamp.from(clock.instant().minusSeconds(1));
				jdbc.sql("UPDATE webhook_endpoint SET status = 'DISABLED' WHERE id = :id")
					.param("id", down.endpoint().id())
					.update();
				jdbc.sql("""
						INSERT INTO webhook_delivery (id, endpoint_id, event_position, event_id, event_type, subject_id,
						    sequence, status, attempts, next_attempt_at, created_at, manual)
						SELECT 'wd_backlog_' || i, :endpoint, i, 'evt_backlog_' || i, 'subscription.renewed',
						    'sub_backlog_' || i, 1, 'PENDING', 1, :at, :at, i = 2999
						FROM generate_series(0, 2999) AS i
						""").param("endpoint", down.endpoint().id()).param("at", due).update();
				jdbc.sql("ANALYZE webhook_delivery").update();
				String claimPlan = claimPlan("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ");
				tx.setRollbackOnly();
				return claimPlan;
			});
			assertThat(plan).as(plan)
				.contains("Index Scan using webhook_delivery_manual on webhook_delivery")
				.doesNotContain("Seq Scan on webhook_delivery")
				.doesNotContain("Bitmap Heap Scan on webhook_delivery")
				.contains("Update on webhook_delivery d (actual rows=1 loops=1)");
			java.util.regex.Matcher read = java.util.regex.Pattern
				.compile("on webhook_delivery \\w+ \\(actual rows=(\\d+) loops=(\\d+)\\)")
				.matcher(plan);
			while (read.find()) {
				assertThat(Long.parseLong(read.group(1)) * Long.parseLong(read.group(2)))
					.as("no scan reads the disabled endpoint's backlog: " + plan)
					.isLessThan(100);
			}
			java.util.regex.Matcher removed = java.util.regex.Pattern.compile("Rows Removed by Filter: (\\d+)")
				.matcher(plan);
			while (removed.find()) {
				assertThat(Long.parseLong(removed.group(1))).as(plan).isLessThan(100);
			}
		}
		finally {
			jdbc.sql("ANALYZE webhook_delivery").update();
			dispatcher.start();
		}
	}

	/**
	 * Many manual retries of one DISABLED endpoint, all due before anything else, take no more of a claim than that
	 * endpoint's room, like an ENABLED endpoint's backlog: another endpoint's due delivery is claimed in the same
	 * round. (Taken without a per-endpoint limit, they filled the whole batch of every claim, which gave all but the
	 * endpoint's window back row by row, and no other endpoint was sent anything until they were all through.)
	 */
	@Test
	void manyManualRetriesOfADisabledEndpointDoNotCrowdAnotherEndpointOutOfAClaim() throws Exception {
		var disabled = register("http://127.0.0.1:9/hook", List.of("*"), "disabled, many manual retries");
		Receiver receiver = receiver();
		var enabled = endpoint(receiver);
		int retries = properties.batch() * 3;
		List<Dispatcher.Claim> claims = new ArrayList<>();
		dispatcher.stop();
		try {
			jdbc.sql("UPDATE webhook_endpoint SET status = 'DISABLED' WHERE id = :id")
				.param("id", disabled.endpoint().id())
				.update();
			// its owner retried them an hour ago: all due before anything new
			fillManualRetries(disabled.endpoint().id(), retries, 0);
			String subject = subject();
			append(EventType.DEVICE_ACTIVATED, subject);
			while (dispatcher.fanOut() > 0) {
				// fan the new event out
			}

			claims.addAll(dispatcher.claim());

			assertThat(claims).as("the other endpoint's due delivery is in the same claim: %s", claims)
				.anySatisfy(c -> assertThat(c.endpointId()).isEqualTo(enabled.endpoint().id()));
			assertThat(claims).as("the disabled endpoint's manual retries are claimed too, up to its window")
				.filteredOn(c -> c.endpointId().equals(disabled.endpoint().id()))
				.hasSizeBetween(1, SendWindows.INITIAL);
		}
		finally {
			dispatcher.forget(claims);
			jdbc.sql("""
					UPDATE webhook_delivery SET attempts = attempts - 1, claimed_until = NULL, claim_token = NULL
					WHERE claim_token = ANY (:tokens)
					""")
				.param("tokens", claims.stream().map(Dispatcher.Claim::token).distinct().toArray(String[]::new))
				.update();
			jdbc.sql("DELETE FROM webhook_delivery WHERE endpoint_id = :id").param("id", disabled.endpoint().id()).update();
			dispatcher.start();
		}
	}

	/**
	 * The claim reads at most an endpoint's room of a DISABLED endpoint's manual retries, however many are due, and
	 * reads them through their own index only: with statistics taken after they were made, and with statistics
	 * taken while the table was empty. Shown in transactions that are rolled back.
	 */
	@Test
	void theClaimReadsAtMostTheRoomOfADisabledEndpointsManyManualRetries() {
		var down = register("http://127.0.0.1:9/hook", List.of("*"), "disabled, many manual retries");
		dispatcher.stop();
		try {
			for (boolean emptyStatistics : List.of(false, true)) {
				String plan = transactions.execute(tx -> {
					jdbc.sql("UPDATE webhook_endpoint SET status = 'DISABLED' WHERE id = :id")
						.param("id", down.endpoint().id())
						.update();
					// nothing else due: the claim takes the endpoint's room of them and nothing more
					jdbc.sql("DELETE FROM webhook_delivery").update();
					if (emptyStatistics) {
						jdbc.sql("ANALYZE webhook_delivery").update();
					}
					fillManualRetries(down.endpoint().id(), 2_000, 1_000);
					if (!emptyStatistics) {
						jdbc.sql("ANALYZE webhook_delivery").update();
					}
					String claimPlan = claimPlan("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ");
					tx.setRollbackOnly();
					return claimPlan;
				});
				assertThat(plan).as(plan)
					.contains("Index Scan using webhook_delivery_manual on webhook_delivery")
					.doesNotContain("Seq Scan on webhook_delivery")
					.doesNotContain("Bitmap Heap Scan on webhook_delivery")
					.contains("Update on webhook_delivery d (actual rows=" + SendWindows.INITIAL + " loops=1)");
				java.util.regex.Matcher read = java.util.regex.Pattern
					.compile("on webhook_delivery \\w+ \\(actual rows=(\\d+) loops=(\\d+)\\)")
					.matcher(plan);
				while (read.find()) {
					assertThat(Long.parseLong(read.group(1)) * Long.parseLong(read.group(2)))
						.as("no scan reads more than the endpoint's room: " + plan)
						.isLessThan(100);
				}
				java.util.regex.Matcher removed = java.util.regex.Pattern.compile("Rows Removed by Filter: (\\d+)")
					.matcher(plan);
				while (removed.find()) {
					assertThat(Long.parseLong(removed.group(1))).as(plan).isLessThan(100);
				}
			}
		}
		finally {
			// an emptied table's row count stays in pg_class after the rollback: take the statistics again
			jdbc.sql("ANALYZE webhook_delivery").update();
			dispatcher.start();
		}
	}

	/**
	 * The claim reads at most an ENABLED endpoint's room of its due backlog, however large: the per-endpoint scan is
	 * limited by the room, not by {@code per-endpoint} (512) with the room applied to the rows it ranked, which read
	 * 512 rows, and checked each one's subject order, at every claim, to take the 16 the room allowed. With
	 * statistics taken after the backlog was made, and while the table was empty. Rolled back.
	 */
	@Test
	void theClaimReadsAtMostTheRoomOfAnEnabledEndpointsLargeBacklog() {
		var down = register("http://127.0.0.1:9/hook", List.of("*"), "down, a large backlog");
		dispatcher.stop();
		try {
			for (boolean emptyStatistics : List.of(false, true)) {
				String plan = transactions.execute(tx -> {
					jdbc.sql("DELETE FROM webhook_delivery").update();
					if (emptyStatistics) {
						jdbc.sql("ANALYZE webhook_delivery").update();
					}
					fillManualRetries(down.endpoint().id(), 0, 3_000);
					if (!emptyStatistics) {
						jdbc.sql("ANALYZE webhook_delivery").update();
					}
					String claimPlan = claimPlan("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ");
					tx.setRollbackOnly();
					return claimPlan;
				});
				System.out.println("Claim over an ENABLED endpoint's backlog of 3,000 (statistics "
						+ (emptyStatistics ? "of an empty table" : "up to date") + "):\n" + plan);
				assertThat(plan).as(plan)
					.doesNotContain("Seq Scan on webhook_delivery")
					.doesNotContain("Bitmap Heap Scan on webhook_delivery")
					.contains("Update on webhook_delivery d (actual rows=" + SendWindows.INITIAL + " loops=1)");
				java.util.regex.Matcher read = java.util.regex.Pattern
					.compile("on webhook_delivery \\w+ \\(actual rows=(\\d+) loops=(\\d+)\\)")
					.matcher(plan);
				while (read.find()) {
					assertThat(Long.parseLong(read.group(1)) * Long.parseLong(read.group(2)))
						.as("no scan reads more than the endpoint's room: " + plan)
						.isLessThan(100);
				}
			}
		}
		finally {
			jdbc.sql("ANALYZE webhook_delivery").update();
			dispatcher.start();
		}
	}

	/**
	 * {@code manual} PENDING manual retries of the endpoint, retried (due) an hour ago, and {@code ordinary} PENDING
	 * ordinary deliveries due as long ago, each of a subject of its own, on no event of the log.
	 */
	private void fillManualRetries(String endpoint, int manual, int ordinary) {
		jdbc.sql("""
				INSERT INTO webhook_delivery (id, endpoint_id, event_position, event_id, event_type, subject_id,
				    sequence, status, attempts, next_attempt_at, created_at, manual)
				SELECT 'wd_manual_' || :endpoint || '_' || i, :endpoint, -1 - i, 'evt_manual_' || i,
				    'subscription.renewed', 'sub_manual_' || :endpoint || '_' || i, 1, 'PENDING', 1, :at, :at, i < :manual
				FROM generate_series(0, :manual + :ordinary - 1) AS i
				""")
			.param("endpoint", endpoint)
			.param("manual", manual)
			.param("ordinary", ordinary)
			.param("at", java.sql.Timestamp.from(clock.instant().minus(Duration.ofHours(1))))
			.update();
	}

	private String claimPlan() {
		return claimPlan("EXPLAIN ");
	}

	/** The claim's plan, under the settings the dispatcher gives its claims, in the current transaction or in one. */
	private String claimPlan(String explain) {
		return transactions.execute(tx -> {
			jdbc.sql(Dispatcher.CLAIM_PLAN).query().listOfRows();
			return explainClaim(explain);
		});
	}

	private String explainClaim(String explain) {
		Instant now = clock.instant();
		return String.join("\n", jdbc.sql(explain + Dispatcher.CLAIM)
			.param("now", java.sql.Timestamp.from(now))
			.param("leaseMillis", 60_000L)
			.param("token", "plan")
			.param("busy", new String[0])
			.param("known", new String[0])
			.param("rooms", new Integer[0])
			.param("initial", 16)
			.param("most", properties.perEndpoint())
			.param("batch", properties.batch())
			.query(String.class)
			.list());
	}

	/**
	 * The fan-out queue is empty most of the time, so its statistics say so when a burst arrives: a round must still
	 * take the queue's head once, along its key, and only a batch of it. Planned with those statistics, the head was
	 * taken again for every queued row (a semi-join), so one round over 5,000 queued events ran 35 s and took them
	 * all.
	 */
	@Test
	void theFanOutsPlanHoldsWhenTheStatisticsSawAnEmptyQueue() {
		dispatcher.stop();
		try {
			String plan = transactions.execute(tx -> {
				String fill = "INSERT INTO webhook_fanout (position) SELECT p FROM generate_series(:from, :to) AS p";
				jdbc.sql(fill).param("from", -2_000_000_000L).param("to", -1_999_970_001L).update();
				jdbc.sql("DELETE FROM webhook_fanout").update();
				jdbc.sql("ANALYZE webhook_fanout").update();
				jdbc.sql(fill).param("from", -1_000_000_000L).param("to", -999_995_001L).update();
				jdbc.sql(Dispatcher.FAN_OUT_PLAN).query().listOfRows();
				String fanOutPlan = String.join("\n", jdbc.sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + Dispatcher.FAN_OUT)
					.param("batch", Dispatcher.FAN_OUT_BATCH)
					.param("now", java.sql.Timestamp.from(clock.instant()))
					.query(String.class)
					.list());
				tx.setRollbackOnly();
				return fanOutPlan;
			});
			assertThat(plan).as(plan)
				.doesNotContain("Seq Scan on webhook_fanout")
				.contains("Index Scan using webhook_fanout_pkey on webhook_fanout")
				.contains("Delete on webhook_fanout webhook_fanout_1 (actual rows=" + Dispatcher.FAN_OUT_BATCH + " loops=1)");
		}
		finally {
			jdbc.sql("ANALYZE webhook_fanout").update();
			dispatcher.start();
		}
	}

	@Test
	void aFanOutRoundCountsTheEventsItTook() throws Exception {
		// a round that took events is work: the loop goes on at once instead of waiting an idle interval per batch
		dispatcher.stop();
		endpoint(receiver(), EventType.DEVICE_ACTIVATED.wireName());
		try {
			int wanted = Dispatcher.FAN_OUT_BATCH + 600;
			transactions.executeWithoutResult(tx -> events.appendAll(IntStream.range(0, wanted)
				.mapToObj(i -> new dev.subdesk.events.NewEvent(EventType.DEVICE_ACTIVATED, subject(), null, Map.of("n", i)))
				.toList()));
			long queued = jdbc.sql("SELECT count(*) FROM webhook_fanout").query(Long.class).single();
			assertThat(queued).isGreaterThanOrEqualTo(wanted);

			int taken = dispatcher.fanOut();

			assertThat((long) taken).isEqualTo(Math.min(queued, (long) Dispatcher.FAN_OUT_BATCH));
			assertThat(jdbc.sql("SELECT count(*) FROM webhook_fanout").query(Long.class).single()).isEqualTo(queued - taken);
		}
		finally {
			dispatcher.start();
		}
	}

	@Test
	void onlyEventsAnEnabledEndpointWantsAreQueuedForFanOut() throws Exception {
		// a vendor without endpoints, or with endpoints that want a few types, has the rest of its events cost the
		// dispatcher nothing (V251); checked in one transaction that is rolled back, so no other test sees it
		endpoint(receiver(), EventType.CASE_UPDATED.wireName());
		transactions.executeWithoutResult(tx -> {
			jdbc.sql("""
					UPDATE webhook_endpoint SET status = 'DISABLED'
					WHERE status = 'ENABLED' AND NOT (events = ARRAY['case.updated'])
					""").update();
			String unwanted = subject();
			String wanted = subject();
			events.append(EventType.DEVICE_ACTIVATED, unwanted, null, Map.of("id", unwanted));
			events.append(EventType.CASE_UPDATED, wanted, null, Map.of("id", wanted));
			assertThat(queuedFor(unwanted)).as("no enabled endpoint wants device.activated").isZero();
			assertThat(queuedFor(wanted)).as("an enabled endpoint wants case.updated").isEqualTo(1);
			jdbc.sql("UPDATE webhook_endpoint SET status = 'DISABLED' WHERE status = 'ENABLED'").update();
			String nobody = subject();
			events.append(EventType.CASE_UPDATED, nobody, null, Map.of("id", nobody));
			assertThat(queuedFor(nobody)).as("no endpoint enabled at all").isZero();
			tx.setRollbackOnly();
		});
	}

	private long queuedFor(String subject) {
		return jdbc.sql("""
				SELECT count(*) FROM webhook_fanout f JOIN domain_event e ON e.position = f.position
				WHERE e.subject_id = :subject
				""").param("subject", subject).query(Long.class).single();
	}

	@Test
	void aBurstOfDeliveriesBringsThePlannersStatisticsUpToDate() throws Exception {
		// with the statistics of a quiet queue a claim checks per-subject order through the wrong index and takes
		// 100 ms instead of one (measured behind a renewal run); autovacuum would analyze only at its next round
		dispatcher.stop();
		String burst = endpoint(receiver(), EventType.DEVICE_ACTIVATED.wireName()).endpoint().id();
		try {
			transactions.executeWithoutResult(tx -> events.appendAll(IntStream.range(0, 6_000)
				.mapToObj(i -> new dev.subdesk.events.NewEvent(EventType.DEVICE_ACTIVATED, subject(), null, Map.of("n", i)))
				.toList()));
			long analyzed = analyzesOfDeliveries();
			Dispatcher node = node();

			while (node.fanOut() > 0) {
				// fan the burst out
			}

			await().atMost(Duration.ofSeconds(10)).until(() -> analyzesOfDeliveries() > analyzed);
		}
		finally {
			endpoints.delete(burst); // its 6,000 deliveries with it: sending them is not this test's business
			dispatcher.start();
		}
	}

	private long analyzesOfDeliveries() {
		return jdbc.sql("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'webhook_delivery'")
			.query(Long.class)
			.single();
	}

	@Test
	void anEndpointDeletedWhileItsAttemptsAreBeingRecordedIsDeletedWithoutADeadlock() throws Exception {
		// the deletion locks the endpoint, then its deliveries (the cascade); a recorded outcome locks them in that
		// order too, or the two deadlock and the API answers 500 (seen in a clean-clone run)
		for (int round = 0; round < 6; round++) {
			Receiver receiver = receiver();
			int answer = round % 2 == 0 ? 500 : 204;
			receiver.answer(() -> answer);
			var endpoint = endpoint(receiver);
			List<String> subjects = IntStream.range(0, 60).mapToObj(i -> subject()).toList();
			transactions.executeWithoutResult(tx -> events.appendAll(subjects.stream()
				.map(s -> new dev.subdesk.events.NewEvent(EventType.DEVICE_ACTIVATED, s, null, Map.of("id", s)))
				.toList()));
			await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received().size() >= 10);
			endpoints.delete(endpoint.endpoint().id());
			assertThat(endpoints.find(endpoint.endpoint().id())).isEmpty();
		}
	}

	@Test
	void anEndpointDeletedWhileAFanOutRoundRunsIsSkippedNotAFailedRound() throws Exception {
		// the round's statement saw the endpoint, its deletion committed before the new delivery's foreign key was
		// checked: the whole round failed and its events waited for the next one (seen in a clean-clone run)
		Receiver receiver = receiver();
		String doomed = endpoint(receiver).endpoint().id();
		Receiver kept = receiver();
		endpoint(kept);
		String subject = subject();
		dispatcher.stop();
		var deleting = new CountDownLatch(1);
		var commit = new CountDownLatch(1);
		// threads of their own: the common pool of a two-core machine runs one task at a time
		var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
		try {
			append(EventType.CASE_OPENED, subject);
			CompletableFuture<Void> deletion = CompletableFuture.runAsync(() -> transactions.executeWithoutResult(tx -> {
				jdbc.sql("DELETE FROM webhook_endpoint WHERE id = :id").param("id", doomed).update();
				deleting.countDown();
				try {
					commit.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}), threads);
			assertThat(deleting.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<Integer> round = CompletableFuture.supplyAsync(() -> node().fanOut(), threads);
			await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("""
					SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%webhook_fanout%'
					""").query(Long.class).single() > 0);
			commit.countDown();
			deletion.get(10, TimeUnit.SECONDS);
			assertThat(round.get(10, TimeUnit.SECONDS)).as("events the round took").isPositive();
		}
		finally {
			commit.countDown();
			threads.close();
			dispatcher.start();
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> about(kept, List.of(subject)).size() == 1);
		assertThat(about(receiver, List.of(subject))).isEmpty();
	}

	@Test
	void anEndpointGetsTheEventsRecordedFromItsCreationOnNotOlderOnesStillQueued() throws Exception {
		// a backlog in the fan-out queue (a busy node, a renewal run) must not flood an endpoint made meanwhile
		String before = subject();
		String after = subject();
		Receiver receiver = receiver();
		dispatcher.stop();
		try {
			append(EventType.DEVICE_ACTIVATED, before);
			clock.moveTo(clock.instant().plusSeconds(1));
			endpoint(receiver);
			append(EventType.DEVICE_ACTIVATED, after);
		}
		finally {
			dispatcher.start();
		}
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(after)).size() == 1);
		// fan-out goes in position order: the older event was decided before the newer one was delivered
		assertThat(about(receiver, List.of(before))).isEmpty();
	}

	@Test
	void aDispatcherStoppedAndStartedAgainStillDelivers() throws Exception {
		// what a paused test context, or a restarted lifecycle, does to it: its senders were shut down for good; and
		// a start whose new loop ran before it was known as the current one ended at once (seen in a clean-clone run)
		for (int i = 0; i < 10; i++) {
			dispatcher.stop();
			dispatcher.start();
		}
		for (String loop : List.of("webhook-dispatcher", "webhook-fan-out")) {
			assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(loop)))
				.as("a running %s loop", loop).anyMatch(Thread::isAlive);
		}
		Receiver receiver = receiver();
		endpoint(receiver);
		String subject = subject();
		append(EventType.DEVICE_ACTIVATED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 1);
	}

	@Test
	void severalDispatchersAtOnceNeverSendOneEventTwiceToOneEndpoint() throws Exception {
		Receiver receiver = receiver();
		endpoint(receiver);
		Receiver other = receiver();
		endpoint(other);
		List<Dispatcher> nodes = List.of(dispatcher, node(), node(), node());
		List<String> subjects = IntStream.range(0, 10).mapToObj(i -> subject()).toList();
		CountDownLatch done = new CountDownLatch(1);
		List<CompletableFuture<Void>> running = nodes.subList(1, nodes.size()).stream()
			.map(node -> CompletableFuture.runAsync(() -> {
				while (done.getCount() > 0) {
					node.step();
				}
			}))
			.toList();
		for (int i = 0; i < 10; i++) {
			for (String subject : subjects) {
				append(EventType.SUBSCRIPTION_UPDATED, subject);
			}
		}
		await().atMost(Duration.ofSeconds(60))
			.until(() -> about(receiver, subjects).size() == 100 && about(other, subjects).size() == 100);
		done.countDown();
		CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		for (Receiver r : List.of(receiver, other)) {
			List<String> ids = r.received().stream()
				.filter(x -> subjects.contains(x.json().path("subjectId").asString()))
				.map(Receiver.Received::id)
				.toList();
			assertThat(ids).hasSize(100).doesNotHaveDuplicates();
			for (String subject : subjects) {
				assertThat(about(r, List.of(subject)).stream().map(x -> x.json().path("sequence").asLong()))
					.isSorted()
					.hasSize(10);
			}
		}
	}

	@Test
	void anEventThatCommitsAfterOneWithALargerPositionIsStillDelivered() throws Exception {
		Receiver receiver = receiver();
		endpoint(receiver);
		String early = subject();
		String late = subject();
		CountDownLatch appended = new CountDownLatch(1);
		CountDownLatch commit = new CountDownLatch(1);
		CompletableFuture<RecordedEvent> slowTransaction = CompletableFuture.supplyAsync(() -> transactions.execute(tx -> {
			RecordedEvent e = events.append(EventType.CASE_OPENED, early, null, Map.of("caseNumber", early));
			appended.countDown();
			try {
				commit.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return e;
		}));
		assertThat(appended.await(10, TimeUnit.SECONDS)).isTrue();
		RecordedEvent second = append(EventType.CASE_OPENED, late);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(late)).size() == 1);
		commit.countDown();
		RecordedEvent first = slowTransaction.get(30, TimeUnit.SECONDS);
		assertThat(first.position()).isLessThan(second.position());
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(early)).size() == 1);
	}

	@Test
	void anEndpointGetsOnlyTheTypesItAskedFor() throws Exception {
		Receiver receiver = receiver();
		endpoint(receiver, "charge.succeeded");
		Receiver all = receiver();
		endpoint(all);
		String subject = subject();
		append(EventType.SUBSCRIPTION_RENEWED, subject);
		append(EventType.CHARGE_SUCCEEDED, subject);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(all, List.of(subject)).size() == 2);
		await().atMost(Duration.ofSeconds(20)).until(() -> about(receiver, List.of(subject)).size() == 1);
		assertThat(about(receiver, List.of(subject)).getFirst().json().path("type").asString())
			.isEqualTo("charge.succeeded");
	}

	@Test
	void prometheusCountsDeliveriesByOutcome() throws Exception {
		Receiver receiver = receiver();
		AtomicInteger answers = new AtomicInteger();
		String subject = subject();
		// only this test's event is refused, once: events of earlier tests recorded in the second the endpoint was
		// made reach it too, and may take the 500 before the counters are read, leaving no retry to count after them
		receiver.answerByBody(body -> body.contains(subject) && answers.getAndIncrement() == 0 ? 500 : 200);
		String id = endpoint(receiver).endpoint().id();
		double succeeded = scraped("succeeded");
		double retrying = scraped("retrying");
		String event = append(EventType.REFUND_ISSUED, subject).id();
		await().atMost(Duration.ofSeconds(30)).until(() -> endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(100))
			.data().stream().anyMatch(d -> d.eventId().equals(event) && Integer.valueOf(500).equals(d.lastStatusCode())));
		// due again in 5 s; an attempt that fails again for any reason (once in a clean-clone run the retry was not
		// seen within a minute) is due 5 min later: the clock moves on while the test waits, and a failure says how
		// each attempt went
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
			clock.moveTo(clock.instant().plus(Duration.ofMinutes(6)));
			assertThat(about(receiver, List.of(subject)))
				.as(() -> "deliveries of the event: " + endpoints.deliveries(id, dev.subdesk.shared.Page.Request.first(100))
					.data().stream().filter(d -> d.eventId().equals(event)).toList())
				.hasSize(1);
		});
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(scraped("succeeded")).isGreaterThanOrEqualTo(succeeded + 1);
			assertThat(scraped("retrying")).isGreaterThanOrEqualTo(retrying + 1);
		});
	}

	private double scraped(String outcome) throws Exception {
		var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + "/actuator/prometheus"))
			.header("Authorization", "Bearer " + dev.subdesk.testing.Api.TEST_KEY)
			.build();
		String text = java.net.http.HttpClient.newHttpClient()
			.send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
			.body();
		return text.lines()
			.filter(l -> l.startsWith("subdesk_webhook_deliveries_total{") && l.contains("outcome=\"" + outcome + "\""))
			.mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
			.sum();
	}

	/** Another node's dispatcher on the same database (not started: the test drives it). */
	private Dispatcher node() {
		return new Dispatcher(jdbc, transactions, clock, properties, meters, secrets);
	}
}
