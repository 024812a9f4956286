package dev.subdesk.stores;

import dev.subdesk.subscriptions.Channel;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A purchase the store answers a lookup ({@link StoreLookups}) that it does not know: Google Play's {@code 404} or
 * {@code 410} for its purchase token whose reasons say so ({@link GooglePlayDeveloperApi#unknownPurchase}: an unknown
 * token, or a purchase it no longer keeps, as one ended long ago; {@code applicationNotFound} is no answer), the
 * App Store's {@code 404} with {@code errorCode} TransactionIdNotFoundError or OriginalTransactionIdNotFoundError for
 * its original transaction id ({@link AppStoreServerApi#UNKNOWN_TRANSACTION}; another {@code 404}, as AppNotFoundError,
 * or an answer without the purchase, is no answer). Such an answer is recorded as the lookup's row
 * ({@code LOOKUP}, outcome {@code UNKNOWN}) and counted on the purchase;
 * once the store has said so {@value #ANSWERS} times in a row over at least {@link #SPAN} (with the back-off, the 8th
 * lookup, 79 hours after the first), and meanwhile answered a lookup of another purchase that it knows (its answer
 * applied: so we ask the right app, in the right environment), the purchase is asked about no more:
 * {@code lookup_due_at} NULL, its row's outcome {@code STOPPED}, the purchase's {@code lookup_stopped_at} and {@code lookup_stopped_reason}
 * ({@value #UNKNOWN_TO_STORE}) set, logged once at WARN. Its subscription is left as it is, to the store's next report:
 * any report of the purchase that {@link StoreSync} applies (the store knows it) clears the count, and one of a
 * stopped purchase starts its lookups again. A store that knows none of the purchases asked about (a misconfigured
 * bundle id or package name) stops none: they are asked about on, a day apart. A call that fails ({@code 5xx}, a
 * timeout) is no answer: it is not counted here, and is asked again with the back-off.
 */
@Component
class UnknownPurchases {

	/** How many answers in a row that the store does not know the purchase stop its lookups (with {@link #SPAN}). */
	static final int ANSWERS = 5;

	/** How long the store must have said so at least, from the first of those answers to the last. */
	static final Duration SPAN = Duration.ofDays(3);

	/** Why a purchase's lookups stopped: the store said it does not know it. */
	static final String UNKNOWN_TO_STORE = "UNKNOWN_TO_STORE";

	private static final String COUNT = """
			UPDATE store_purchases
			SET unknown_answers = unknown_answers + 1, unknown_since = coalesce(unknown_since, :asked)
			WHERE store = :store AND purchase_id = :purchase
			RETURNING unknown_answers, unknown_since
			""";

	private static final String STOP = """
			UPDATE store_purchases
			SET lookup_due_at = NULL, lookup_stopped_at = :asked, lookup_stopped_reason = :reason
			WHERE store = :store AND purchase_id = :purchase AND lookup_stopped_at IS NULL
			""";

	/**
	 * Whether the store answered a lookup of another purchase it knows since {@code :since}: its answer applied (any
	 * outcome but {@code UNKNOWN} or {@code STOPPED}; a failed call records nothing). Along the lookups' age index
	 * (V431).
	 */
	private static final String KNOWS_OTHERS = """
			SELECT EXISTS (SELECT 1 FROM store_notifications
			               WHERE type = 'LOOKUP' AND received_at >= :since AND store = :store
			                 AND purchase_id <> :purchase AND outcome NOT IN ('UNKNOWN', 'STOPPED'))
			""";

	private static final String RECORD = """
			INSERT INTO store_notifications (store, notification_id, type, subtype, signed_at, purchase_id, outcome,
			                                 received_at)
			VALUES (:store, :id, :type, NULL, :asked, :purchase, :outcome, :at)
			""";

	private static final Logger log = LoggerFactory.getLogger(UnknownPurchases.class);

	private final JdbcClient jdbc;
	private final Clock clock;
	private final TransactionTemplate tx;

	UnknownPurchases(JdbcClient jdbc, Clock clock, PlatformTransactionManager transactions) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.tx = new TransactionTemplate(transactions);
	}

	private record Count(int answers, Instant since) {
	}

	/**
	 * Whether the store is known to answer us: it answered a lookup of another purchase since {@code since}. One that
	 * says it knows none of them is more likely asked about the wrong app (a bundle id, a package name, an environment
	 * not the store's) than to have lost them all: its purchases are asked about on, with the back-off.
	 */
	private boolean knowsOthers(String store, String purchaseId, Instant since) {
		return Boolean.TRUE.equals(jdbc.sql(KNOWS_OTHERS)
			.param("since", Timestamp.from(since))
			.param("store", store)
			.param("purchase", purchaseId)
			.query(Boolean.class)
			.single());
	}

	/**
	 * The store answered, when asked at {@code asked}, that it does not know the purchase: counts it, and stops the
	 * purchase's lookups when that makes {@value #ANSWERS} over {@link #SPAN}. Never throws: a failure is logged, and
	 * the purchase is asked again at its interval.
	 */
	void answered(String store, String purchaseId, Instant asked) {
		String storeName = Channel.valueOf(store).storeName();
		String named = StoreFields.purchaseForLog(store, purchaseId);
		try {
			tx.executeWithoutResult(status -> {
				Count count = jdbc.sql(COUNT)
					.param("asked", Timestamp.from(asked))
					.param("store", store)
					.param("purchase", purchaseId)
					.query((rs, row) -> new Count(rs.getInt("unknown_answers"),
							rs.getTimestamp("unknown_since").toInstant()))
					.single();
				boolean enough = count.answers() >= ANSWERS
						&& Duration.between(count.since(), asked).compareTo(SPAN) >= 0;
				boolean misconfigured = enough && !knowsOthers(store, purchaseId, count.since());
				boolean stop = enough && !misconfigured
						&& jdbc.sql(STOP)
							.param("asked", Timestamp.from(asked))
							.param("reason", UNKNOWN_TO_STORE)
							.param("store", store)
							.param("purchase", purchaseId)
							.update() == 1;
				jdbc.sql(RECORD)
					.param("store", store)
					.param("id", "lookup-" + UUID.randomUUID())
					.param("type", StoreLookups.LOOKUP)
					.param("asked", Timestamp.from(asked))
					.param("purchase", purchaseId)
					.param("outcome", stop ? "STOPPED" : "UNKNOWN")
					.param("at", Timestamp.from(clock.instant()))
					.update();
				if (stop) {
					log.warn("{} has answered {} times since {} that it does not know purchase {}, whose notice did not "
							+ "come: it is asked about no more, and its subscription is left to the store's next notice",
							storeName, count.answers(), count.since(), named);
				}
				else if (misconfigured) {
					log.warn("{} has answered {} times since {} that it does not know purchase {}, and has known none of "
							+ "the other purchases asked about since: is the app (bundle id, package name, environment) "
							+ "the store's? Asked again later", storeName, count.answers(), count.since(), named);
				}
				else {
					log.info("{} does not know purchase {}, whose notice did not come ({} answers so since {}); asked "
							+ "again later", storeName, named, count.answers(), count.since());
				}
			});
		}
		catch (RuntimeException e) {
			log.warn("{}'s answer that it does not know purchase {} could not be recorded; asked again later", storeName,
					named, e);
		}
	}
}
