package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finished deliveries leave the log {@code delivery-retention} (30 days) after they finished, by the server's clock;
 * pending ones stay whatever their age, and a manual retry starts a delivery's period afresh.
 */
@SubdeskIntegrationTest
class WebhookDeliveryRetentionIntegrationTests {

	@Autowired
	WebhookEndpoints endpoints;

	@Autowired
	WebhookDeliveryRetention retention;

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TestClock clock;

	@Test
	void finishedDeliveriesArePurgedThirtyDaysAfterTheyFinishedAndPendingOnesAreKept() throws Exception {
		try (Receiver receiver = new Receiver()) {
			String endpoint = endpoints.create(receiver.url(), List.of("*"), "retention").endpoint().id();
			try {
				String subject = "sub_r" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
				transactions.execute(tx -> events.append(EventType.SUBSCRIPTION_UPDATED, subject, null,
						Map.of("id", subject)));
				await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql(
						"SELECT count(*) FROM webhook_delivery WHERE endpoint_id = :e AND status = 'SUCCEEDED'")
					.param("e", endpoint).query(Long.class).single() == 1);
				String succeeded = deliveries(endpoint).getFirst();
				String failedLater = delivery(endpoint, "FAILED", Duration.ofDays(2));
				String pending = delivery(endpoint, "PENDING", null);

				clock.moveTo(clock.instant().plus(Duration.ofDays(29)));
				retention.purge();
				assertThat(deliveries(endpoint)).as("29 days after the success").containsExactlyInAnyOrder(succeeded,
						failedLater, pending);

				clock.moveTo(clock.instant().plus(Duration.ofDays(1)).plusSeconds(1));
				assertThat(retention.purge()).isGreaterThanOrEqualTo(1);
				assertThat(deliveries(endpoint)).as("30 days after the success").containsExactlyInAnyOrder(failedLater,
						pending);

				clock.moveTo(clock.instant().plus(Duration.ofDays(2)));
				retention.purge();
				assertThat(deliveries(endpoint)).as("30 days after the final failure").containsExactly(pending);
			}
			finally {
				endpoints.delete(endpoint);
			}
		}
	}

	/**
	 * A rotated-out secret whose 24 hours are over signs nothing: the purge deletes it without waiting for the
	 * endpoint's next rotation (before, nothing else did, and a damaged one held back the end of a key-encryption key
	 * rotation for good); one still signing is kept.
	 */
	@Test
	void rotatedOutSecretsAreDeletedOnceTheirTwentyFourHoursAreOver() throws Exception {
		try (Receiver receiver = new Receiver()) {
			String endpoint = endpoints.create(receiver.url(), List.of("*"), "old secrets").endpoint().id();
			try {
				endpoints.rotateSecret(endpoint);
				clock.moveTo(clock.instant().plus(Duration.ofHours(12)));
				endpoints.rotateSecret(endpoint);
				List<Long> oldSecrets = oldSecrets(endpoint);
				assertThat(oldSecrets).hasSize(2);

				clock.moveTo(clock.instant().plus(Duration.ofHours(12)).plusSeconds(1));
				retention.purge();
				assertThat(oldSecrets(endpoint)).as("the first one's 24 hours are over, the second's are not")
					.containsExactly(oldSecrets.get(1));

				clock.moveTo(clock.instant().plus(Duration.ofHours(12)));
				retention.purge();
				assertThat(oldSecrets(endpoint)).as("both over").isEmpty();
			}
			finally {
				endpoints.delete(endpoint);
			}
		}
	}

	private List<Long> oldSecrets(String endpoint) {
		return jdbc.sql("SELECT seq FROM webhook_endpoint_old_secret WHERE endpoint_id = :e ORDER BY seq")
			.param("e", endpoint).query(Long.class).list();
	}

	@Test
	void aRetentionShorterThanADayIsRefused() {
		assertThatThrownBy(() -> new WebhookDeliveryRetention(jdbc, clock, Duration.ofHours(23)))
			.hasMessageContaining("at least 1 day");
	}

	/**
	 * A delivery made by SQL, 60 days old: FAILED for good {@code finishedIn} from now, or PENDING and not due for a
	 * year (the dispatcher leaves both alone).
	 */
	private String delivery(String endpoint, String status, @org.jspecify.annotations.Nullable Duration finishedIn) {
		String id = "wd_r" + UUID.randomUUID().toString().replace("-", "");
		jdbc.sql("""
				INSERT INTO webhook_delivery (id, endpoint_id, event_position, event_id, event_type, subject_id, sequence,
				    status, attempts, next_attempt_at, finished_at, created_at)
				VALUES (:id, :endpoint, 0, :id, 'subscription.updated', :id, 1, :status, 1, :next, :finished, :created)
				""").param("id", id).param("endpoint", endpoint).param("status", status)
			.param("next", finishedIn == null ? Timestamp.from(clock.instant().plus(Duration.ofDays(365))) : null,
					java.sql.Types.TIMESTAMP)
			.param("finished", finishedIn == null ? null : Timestamp.from(clock.instant().plus(finishedIn)),
					java.sql.Types.TIMESTAMP)
			.param("created", Timestamp.from(clock.instant().minus(Duration.ofDays(60))))
			.update();
		return id;
	}

	private List<String> deliveries(String endpoint) {
		return jdbc.sql("SELECT id FROM webhook_delivery WHERE endpoint_id = :e ORDER BY created_at")
			.param("e", endpoint).query(String.class).list();
	}

}
