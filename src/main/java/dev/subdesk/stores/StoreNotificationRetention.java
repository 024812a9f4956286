package dev.subdesk.stores;

import dev.subdesk.shared.Slices;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * How long {@code store_notifications} keeps its rows, by the server's clock: a lookup's answer ({@code LOOKUP},
 * {@link StoreLookups}) {@code subdesk.stores.lookup-retention} (default 30 days, at least a day) after it was
 * recorded; a notification from the store {@code subdesk.stores.notification-retention} (default 400 days, at least
 * {@link #NOTIFICATION_MINIMUM}) after it was received. An hourly purge deletes older rows in slices of
 * {@value #SLICE}, each its own statement with {@code FOR UPDATE SKIP LOCKED} (the slice taken once per statement, a
 * materialized CTE), so that any node may run it beside the notices and lookups, along V431's and V432's indexes.
 * <p>
 * Nothing reads an old row: the order of a purchase's reports ({@link StoreSync}: a report signed before the last one
 * applied is stale) is kept on the purchase ({@code store_purchases.last_signed_at}, its state, refund, lookup
 * schedule), which this leaves alone. A row's one use is to tell a notification delivered again by its id: a lookup's
 * id is ours and never comes again, and a store's is kept far longer than a store delivers one again (Pub/Sub retains
 * a message 31 days at most, the App Store retries for 3 days and its notification history reaches 180 days back).
 * The rows hold no name or email: the store, the store's notification id, type, times, outcome and purchase id (see
 * docs/RETENTION.md).
 */
@Component
class StoreNotificationRetention {

	static final int SLICE = 5000;

	static final Duration LOOKUP_MINIMUM = Duration.ofDays(1);

	/** Longer than any store delivers a notification again (the App Store's notification history: 180 days). */
	static final Duration NOTIFICATION_MINIMUM = Duration.ofDays(180);

	private static final String PURGE_LOOKUPS = """
			WITH slice AS MATERIALIZED (
			    SELECT store, notification_id FROM store_notifications
			    WHERE type = 'LOOKUP' AND received_at < :before
			    LIMIT :slice FOR UPDATE SKIP LOCKED)
			DELETE FROM store_notifications n USING slice
			WHERE n.store = slice.store AND n.notification_id = slice.notification_id
			""";

	private static final String PURGE_NOTIFICATIONS = """
			WITH slice AS MATERIALIZED (
			    SELECT store, notification_id FROM store_notifications
			    WHERE type <> 'LOOKUP' AND received_at < :before
			    LIMIT :slice FOR UPDATE SKIP LOCKED)
			DELETE FROM store_notifications n USING slice
			WHERE n.store = slice.store AND n.notification_id = slice.notification_id
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Duration lookups;
	private final Duration notifications;

	StoreNotificationRetention(JdbcClient jdbc, Clock clock,
			@Value("${subdesk.stores.lookup-retention:P30D}") Duration lookups,
			@Value("${subdesk.stores.notification-retention:P400D}") Duration notifications) {
		if (lookups.compareTo(LOOKUP_MINIMUM) < 0) {
			throw new IllegalStateException("subdesk.stores.lookup-retention is " + lookups
					+ ": the lookups' answers are kept at least " + LOOKUP_MINIMUM.toDays() + " day");
		}
		if (notifications.compareTo(NOTIFICATION_MINIMUM) < 0) {
			throw new IllegalStateException("subdesk.stores.notification-retention is " + notifications
					+ ": the stores' notifications are kept at least " + NOTIFICATION_MINIMUM.toDays()
					+ " days, longer than a store delivers one again");
		}
		this.jdbc = jdbc;
		this.clock = clock;
		this.lookups = lookups;
		this.notifications = notifications;
	}

	/** Deletes the lookups' answers and the notifications older than their retention; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.stores.notification-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		var now = clock.instant();
		return Slices.untilDone(jdbc, PURGE_LOOKUPS, Timestamp.from(now.minus(lookups)), SLICE)
				+ Slices.untilDone(jdbc, PURGE_NOTIFICATIONS, Timestamp.from(now.minus(notifications)), SLICE);
	}
}
