package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An endpoint the dispatcher disabled for failing, to which a manual retry then succeeds; and an endpoint deleted
 * between the claim of its delivery and the look-up of its URL and secrets.
 */
@SubdeskIntegrationTest
class DisabledAndDeletedEndpointsIntegrationTests {

	@Autowired
	WebhookEndpoints endpoints;

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	TestClock clock;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Dispatcher dispatcher;

	@Autowired
	WebhookProperties properties;

	@Autowired
	WebhookMeters meters;

	@Autowired
	SealedSecrets secrets;

	private final List<Receiver> receivers = new ArrayList<>();
	private final List<String> made = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		made.forEach(id -> endpoints.find(id).ifPresent(e -> endpoints.delete(id)));
		receivers.forEach(Receiver::close);
	}

	private Receiver receiver() throws Exception {
		Receiver receiver = new Receiver();
		receivers.add(receiver);
		return receiver;
	}

	private String endpoint(Receiver receiver) {
		String id = endpoints.create(receiver.url(), List.of("*"), "test").endpoint().id();
		made.add(id);
		return id;
	}

	private String append(String subject) {
		return transactions.execute(tx -> events.append(EventType.CHARGE_FAILED, subject, null,
				Map.of("id", subject, "status", "ACTIVE"))).id();
	}

	private static String subject() {
		return "sub_d" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
	}

	private Delivery deliveryOf(String endpoint, String eventId) {
		return endpoints.deliveries(endpoint, dev.subdesk.shared.Page.Request.first(100)).data().stream()
			.filter(d -> d.eventId().equals(eventId))
			.findFirst()
			.orElseThrow();
	}

	private boolean disabledForFailing(String endpoint) {
		return jdbc.sql("SELECT disabled_for_failing FROM webhook_endpoint WHERE id = :id")
			.param("id", endpoint)
			.query(Boolean.class)
			.single();
	}

	/**
	 * The dispatcher disables an endpoint whose every delivery failed for 3 days; a manual retry that then succeeds
	 * shows that not every delivery fails there any more: the endpoint is no longer disabled for failing (it stays
	 * DISABLED, as its owner's, until its owner enables it). It kept the flag, and a failure recorded after the success
	 * gave up on every PENDING delivery of the endpoint as though its 3 days of failures were still running.
	 */
	@Test
	void aManualRetryThatSucceedsToAnEndpointDisabledForFailingEndsItsBeingDisabledForFailing() throws Exception {
		Receiver receiver = receiver();
		receiver.answer(() -> 500);
		String id = endpoint(receiver);
		String eventId = append(subject());
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveryOf(id, eventId).lastStatusCode() != null);
		// failing for 4 days: the next failure disables the endpoint
		jdbc.sql("UPDATE webhook_endpoint SET failing_since = :since WHERE id = :id")
			.param("since", Timestamp.from(clock.instant().minus(Duration.ofDays(4))))
			.param("id", id)
			.update();
		clock.moveTo(deliveryOf(id, eventId).nextAttemptAt().plusSeconds(1));
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveryOf(id, eventId).status() == Delivery.Status.FAILED);
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.DISABLED);
		assertThat(disabledForFailing(id)).as("disabled by the dispatcher").isTrue();

		receiver.answer(() -> 204);
		endpoints.retry(id, deliveryOf(id, eventId).id());
		await().atMost(Duration.ofSeconds(20)).until(() -> deliveryOf(id, eventId).status() == Delivery.Status.SUCCEEDED);

		assertThat(disabledForFailing(id)).as("a delivery succeeded: no longer disabled for failing").isFalse();
		assertThat(jdbc.sql("SELECT failing_since IS NULL FROM webhook_endpoint WHERE id = :id").param("id", id)
			.query(Boolean.class).single()).as("the failing streak ended").isTrue();
		assertThat(endpoints.get(id).status()).as("only its owner enables it again")
			.isEqualTo(WebhookEndpoint.Status.DISABLED);
	}
}
