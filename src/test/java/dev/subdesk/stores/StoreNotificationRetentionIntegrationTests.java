package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.clock.TestClock;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lookups' answers leave {@code store_notifications} 30 days after they were recorded, the stores' notifications
 * 400 days after they were received, by the server's clock; what orders a purchase's reports stays on the purchase,
 * so a notification delivered again after its row is gone is still stale, not applied again.
 */
@SubdeskIntegrationTest
class StoreNotificationRetentionIntegrationTests {

	@Autowired
	StoreNotificationRetention retention;

	@Autowired
	StoreSync sync;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TestClock clock;

	private final String purchase = "gp-retention-" + UUID.randomUUID();

	@Test
	void lookupsAreKeptThirtyDaysNotificationsFourHundredAndAnOldNotificationDeliveredAgainIsStillStale() {
		Instant start = clock.instant();
		String notice = "msg-" + UUID.randomUUID();
		assertThat(sync.apply(report(notice, "SUBSCRIPTION_4", start)).outcome()).isEqualTo("UNMATCHED");
		String oldLookup = "lookup-" + UUID.randomUUID();
		sync.apply(report(oldLookup, StoreLookups.LOOKUP, start.plus(Duration.ofHours(1))));

		clock.moveTo(start.plus(Duration.ofDays(29)));
		Instant later = clock.instant();
		String newLookup = "lookup-" + UUID.randomUUID();
		sync.apply(report(newLookup, StoreLookups.LOOKUP, later.minusSeconds(60)));
		String laterNotice = "msg-" + UUID.randomUUID();
		sync.apply(report(laterNotice, "SUBSCRIPTION_2", later));
		retention.purge();
		assertThat(rows()).as("29 days on").containsExactlyInAnyOrder(notice, oldLookup, newLookup, laterNotice);

		clock.moveTo(start.plus(Duration.ofDays(30)).plus(Duration.ofMinutes(1)));
		assertThat(retention.purge()).isGreaterThanOrEqualTo(1);
		assertThat(rows()).as("30 days on: the first lookup's answer is gone").containsExactlyInAnyOrder(notice,
				newLookup, laterNotice);
		assertThat(sync.apply(report(notice, "SUBSCRIPTION_4", start)).outcome()).as("delivered again")
			.isEqualTo("DUPLICATE");

		clock.moveTo(start.plus(Duration.ofDays(400)).plus(Duration.ofMinutes(1)));
		assertThat(retention.purge()).isGreaterThanOrEqualTo(2);
		assertThat(rows()).as("400 days on").containsExactly(laterNotice);
		Instant lastSigned = jdbc.sql("SELECT last_signed_at FROM store_purchases WHERE purchase_id = :p")
			.param("p", purchase)
			.query(java.sql.Timestamp.class)
			.single()
			.toInstant();
		assertThat(lastSigned).as("the purchase keeps what orders its reports").isEqualTo(later);

		// the first notice delivered again: its row is gone, but it is older than the last report applied
		assertThat(sync.apply(report(notice, "SUBSCRIPTION_4", start)).outcome()).isEqualTo("STALE");
	}

	@Test
	void aRetentionShorterThanTheStoresRedeliverIsRefused() {
		assertThatThrownBy(() -> new StoreNotificationRetention(jdbc, clock, Duration.ofHours(12), Duration.ofDays(400)))
			.hasMessageContaining("subdesk.stores.lookup-retention");
		assertThatThrownBy(() -> new StoreNotificationRetention(jdbc, clock, Duration.ofDays(30), Duration.ofDays(90)))
			.hasMessageContaining("subdesk.stores.notification-retention");
	}

	/** A report of the purchase from Google Play under an account token that is no account's: a case, no change. */
	private StoreReport report(String id, String type, Instant signedAt) {
		return new StoreReport(Channel.GOOGLE_PLAY, id, type, "SUBSCRIPTION_STATE_ACTIVE", signedAt, purchase,
				"example.acme.antivirus.monthly", "no-such-token",
				new StoreChange.Subscribed(signedAt, signedAt.plus(Duration.ofDays(30)), true), null);
	}

	private List<String> rows() {
		return jdbc.sql("SELECT notification_id FROM store_notifications WHERE purchase_id = :p")
			.param("p", purchase)
			.query(String.class)
			.list();
	}
}
