package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An endpoint the dispatcher disabled for failing, to which a manual retry then succeeds; and an endpoint deleted
 * between the claim of its delivery and the look-up of its URL and secrets.
 */
@SubdeskIntegrationTest
class DisabledAndDeletedEndpointsIntegrationTests extends WebhookTestSupport {

	private String endpoint(Receiver receiver) {
		return register(receiver.url(), List.of("*"), "test").endpoint().id();
	}

	private String append(String subject) {
		return append(EventType.CHARGE_FAILED, subject).id();
	}

	private static String subject() {
		return subject("sub_d");
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
		// its delivery row is written after the event's commit: absent at first
		await().atMost(Duration.ofSeconds(20))
			.ignoreExceptions()
			.until(() -> deliveryOf(id, eventId).lastStatusCode() != null);
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

	/**
	 * An endpoint deleted after a node claimed one of its deliveries and before it looked the endpoint up: the
	 * delivery went with the endpoint (ON DELETE CASCADE), so the attempt is dropped quietly; it threw a
	 * NullPointerException, logged as a failure to record the outcome.
	 */
	@Test
	void aDeliveryWhoseEndpointIsDeletedAfterItsClaimIsDroppedWithoutAnError() throws Exception {
		Receiver receiver = receiver();
		String id = endpoint(receiver);
		Dispatcher node = new Dispatcher(jdbc, transactions, clock, properties, meters, secrets);
		Logger logger = (Logger) LoggerFactory.getLogger(Dispatcher.class);
		ListAppender<ILoggingEvent> logged = new ListAppender<>();
		logged.start();
		dispatcher.stop();
		logger.addAppender(logged);
		try {
			String eventId = append(subject());
			while (node.fanOut() > 0) {
				// until it is fanned out
			}
			String delivery = deliveryOf(id, eventId).id();
			List<Dispatcher.Claim> all = node.claim();
			List<Dispatcher.Claim> claims = all.stream().filter(c -> c.id().equals(delivery)).toList();
			assertThat(claims).hasSize(1);
			// any other test's delivery claimed with it is given back as it was
			List<Dispatcher.Claim> others = all.stream().filter(c -> !c.id().equals(delivery)).toList();
			node.forget(others);
			jdbc.sql("""
					UPDATE webhook_delivery SET attempts = attempts - 1, claimed_until = NULL, claim_token = NULL
					WHERE id = ANY (:ids) AND claim_token = ANY (:tokens)
					""")
				.param("ids", others.stream().map(Dispatcher.Claim::id).toArray(String[]::new))
				.param("tokens", others.stream().map(Dispatcher.Claim::token).toArray(String[]::new))
				.update();
			endpoints.delete(id);

			assertThat(node.send(claims)).isEqualTo(1);
			node.stop(); // waits for its senders

			assertThat(receiver.received()).as("nothing sent to a deleted endpoint").isEmpty();
			assertThat(logged.list).as("nothing logged as a warning or an error")
				.noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
		}
		finally {
			logger.detachAppender(logged);
			node.stop();
			dispatcher.start();
		}
	}
}
