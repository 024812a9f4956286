package dev.subdesk.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The PostgreSQL-only ceiling of a renewal run: the rows one engine run writes for the seeded subscriptions, written
 * again by SQL alone, with no JVM work between the statements (no gateway, no notice text, no domain objects). Run
 * after the engine on the same subscriptions, which the engine has moved one period on: the ceiling renews each once
 * more, with as many workers and batches of the same size, and per batch:
 * <ol>
 * <li>the engine's claim statement (advisory lock and {@code FOR UPDATE SKIP LOCKED}, committed at once);</li>
 * <li>the attempts recorded PENDING ({@code purchase_attempts}, committed before the gateway is asked);</li>
 * <li>the gateway ledger's rows ({@code sandbox_gateway_payments}, with the card's token looked up);</li>
 * <li>in one transaction that does not wait for the disk (as the engine's): the attempts completed, the subscriptions
 * moved on, the charges, the RENEWAL_RECEIPT notices, the subjects' event counters and the
 * {@code subscription.renewed} and {@code charge.succeeded} events, in one statement of data-modifying CTEs;</li>
 * <li>the advisory locks given back.</li>
 * </ol>
 * The notices' texts and the events' data are the engine's own for one of the subscriptions, with that
 * subscription's and charge's ids replaced: rows of the same size, with the same index entries and the same webhook
 * fan-out trigger. The ceiling writes into tables already larger by the engine's run; it pays for that, the engine
 * did not.
 */
final class RenewalCeiling {

	private static final String CLAIM = """
			SELECT s.id
			FROM subscriptions s
			WHERE s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew
			  AND s.next_attempt_at <= :until
			  AND s.parent_id IS NULL AND s.id LIKE :prefix
			  AND pg_try_advisory_lock(hashtextextended(s.id, 0))
			ORDER BY s.next_attempt_at
			LIMIT :limit
			FOR UPDATE OF s SKIP LOCKED
			""";

	/** The attempts recorded PENDING before the gateway is asked, committed (as the engine's). */
	private static final String ATTEMPTS = """
			INSERT INTO purchase_attempts (gateway_key, account_id, subscription_id, payment_method_id, amount, currency,
			    status, created_at)
			SELECT 'renewal_' || s.id || '_p' || (s.period_index + 1) || '_a1', s.account_id, s.id, s.payment_method_id,
			    s.price_amount, s.currency, 'PENDING', :now
			FROM subscriptions s WHERE s.id = ANY (:ids)
			ON CONFLICT (gateway_key) DO NOTHING
			""";

	private static final String LEDGER = """
			INSERT INTO sandbox_gateway_payments (idempotency_key, gateway_token, amount, currency, outcome, created_at)
			SELECT 'renewal_' || s.id || '_p' || (s.period_index + 1) || '_a1', p.gateway_token, s.price_amount, s.currency,
			    'SUCCEEDED', :now
			FROM subscriptions s JOIN payment_methods p ON p.id = s.payment_method_id AND p.deleted_at IS NULL
			WHERE s.id = ANY (:ids)
			ON CONFLICT (idempotency_key) DO NOTHING
			""";

	/**
	 * Ids of the template's length: its prefix (up to the first '_'), the worker ({@code U0}, {@code U1}...: U is
	 * not a Crockford digit, so no engine id can be the same) and a number from the worker session's own sequence,
	 * so that each worker's inserts land next to each other in the primary keys, as a node's ids do
	 * ({@code Ids.next}); random ids would make the ceiling pay for random B-tree inserts the engine does not.
	 */
	private static final String WRITES = """
			WITH due AS (
			    SELECT s.id, s.account_id, s.payment_method_id, s.current_period_end AS old_end,
			        s.current_period_end + interval '1 month' AS new_end, s.price_amount, s.currency, s.period_index
			    FROM subscriptions s WHERE s.id = ANY (:ids)),
			moved AS (
			    UPDATE subscriptions t SET period_index = t.period_index + 1, current_period_start = t.current_period_end,
			        current_period_end = due.new_end, next_attempt_at = due.new_end, extra_attempt_at = NULL,
			        dunning_attempts = 0, status = 'ACTIVE', price_amount = due.price_amount, version = t.version + 1
			    FROM due
			    WHERE t.id = due.id AND t.current_period_end = due.old_end AND t.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE')
			      AND t.auto_renew
			    RETURNING t.id),
			completed AS (
			    UPDATE purchase_attempts a SET status = 'COMPLETED', settled_at = :now
			    FROM due JOIN moved USING (id)
			    WHERE a.gateway_key = 'renewal_' || due.id || '_p' || (due.period_index + 1) || '_a1' AND a.status = 'PENDING'
			    RETURNING 1),
			made AS (
			    SELECT due.*, :chargePrefix || :worker || lpad(nextval('pg_temp.ceiling_ids')::text, :chargeDigits, '0') AS charge_id
			    FROM due JOIN moved USING (id)),
			charged AS (
			    INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
			        payment_method_id, gateway_key, created_at, origin)
			    SELECT charge_id, account_id, id, price_amount, currency, 'SUCCEEDED', old_end, new_end, payment_method_id,
			        'renewal_' || id || '_p' || (period_index + 1) || '_a1', :now, :origin
			    FROM made
			    RETURNING id),
			noticed AS (
			    INSERT INTO notices (id, account_id, type, recipient, subject, body, related_id, created_at, footer_id)
			    SELECT :noticePrefix || :worker || lpad(nextval('pg_temp.ceiling_ids')::text, :noticeDigits, '0'), made.account_id,
			        'RENEWAL_RECEIPT', a.email, :subject, replace(:body, :templateCharge, made.charge_id), made.charge_id,
			        :now, :footer
			    FROM made JOIN accounts a ON a.id = made.account_id
			    RETURNING id),
			counted AS (
			    INSERT INTO event_subject (subject_id, last_sequence)
			    SELECT id, 2 FROM made ORDER BY id
			    ON CONFLICT (subject_id) DO UPDATE SET last_sequence = event_subject.last_sequence + excluded.last_sequence
			    RETURNING subject_id, last_sequence),
			recorded AS (
			    INSERT INTO domain_event (id, type, subject_id, sequence, account_id, data, created_at)
			    SELECT :eventPrefix || :worker || lpad(nextval('pg_temp.ceiling_ids')::text, :eventDigits, '0'), e.type, made.id,
			        counted.last_sequence - 2 + e.k, made.account_id,
			        CAST(replace(replace(e.data, :templateSubscription, made.id), :templateCharge, made.charge_id) AS json),
			        :now
			    FROM made JOIN counted ON counted.subject_id = made.id
			    CROSS JOIN (VALUES (1, CAST(:firstType AS text), CAST(:firstData AS text)),
			                       (2, CAST(:secondType AS text), CAST(:secondData AS text))) AS e (k, type, data)
			    ORDER BY made.id, e.k
			    RETURNING 1)
			SELECT (SELECT count(*) FROM moved) AS moved, (SELECT count(*) FROM charged) AS charges,
			    (SELECT count(*) FROM noticed) AS notices, (SELECT count(*) FROM recorded) AS events
			""";

	record Result(long renewed, long charges, long notices, long events, double seconds) {

		double perSecond() {
			return renewed / seconds;
		}
	}

	/** One subscription's rows as the engine wrote them, the model of the ceiling's rows. */
	private record Template(String subscriptionId, String chargeId, String chargeOrigin, String noticeId,
			String subject, String body, Integer footer, String eventId, String firstType, String firstData,
			String secondType, String secondData) {
	}

	private RenewalCeiling() {
	}

	/**
	 * Renews once more, by SQL alone, every subscription of {@code prefix} that the engine renewed, due at or before
	 * {@code until}; with {@code workers} threads and claims of {@code batch}.
	 */
	static Result run(DataSource dataSource, String prefix, Instant until, int workers, int batch) throws Exception {
		Template template = template(dataSource, prefix);
		ExecutorService pool = Executors.newFixedThreadPool(workers);
		try {
			long start = System.nanoTime();
			List<Future<long[]>> running = new ArrayList<>();
			for (int i = 0; i < workers; i++) {
				String worker = "U" + i;
				running.add(pool.submit(() -> drain(dataSource, prefix, template, until, batch, worker)));
			}
			long[] total = new long[4];
			for (Future<long[]> worker : running) {
				long[] counts = worker.get();
				for (int i = 0; i < total.length; i++) {
					total[i] += counts[i];
				}
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			return new Result(total[0], total[1], total[2], total[3], seconds);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static Template template(DataSource dataSource, String prefix) {
		JdbcClient jdbc = JdbcClient.create(dataSource);
		Template partial = jdbc.sql("""
				SELECT c.subscription_id, c.id AS charge_id, c.origin, n.id AS notice_id, n.subject, n.body, n.footer_id
				FROM charges c JOIN notices n ON n.related_id = c.id AND n.type = 'RENEWAL_RECEIPT'
				WHERE c.subscription_id = (SELECT id FROM subscriptions WHERE id LIKE :prefix ORDER BY id LIMIT 1)
				ORDER BY c.created_at DESC LIMIT 1
				""")
			.param("prefix", prefix + "%")
			.query((rs, n) -> new Template(rs.getString("subscription_id"), rs.getString("charge_id"),
					rs.getString("origin"), rs.getString("notice_id"), rs.getString("subject"), rs.getString("body"),
					(Integer) rs.getObject("footer_id"), null, null, null, null, null))
			.optional()
			.orElseThrow(() -> new IllegalStateException("the engine renewed none of the seeded subscriptions"));
		List<String[]> events = jdbc.sql("""
				SELECT id, type, data::text FROM domain_event WHERE subject_id = :subject ORDER BY sequence DESC LIMIT 2
				""")
			.param("subject", partial.subscriptionId())
			.query((rs, n) -> new String[] { rs.getString(1), rs.getString(2), rs.getString(3) })
			.list()
			.reversed();
		if (events.size() != 2) {
			throw new IllegalStateException("expected the renewal's two events of " + partial.subscriptionId()
					+ ", found " + events.size());
		}
		return new Template(partial.subscriptionId(), partial.chargeId(), partial.chargeOrigin(), partial.noticeId(),
				partial.subject(), partial.body(), partial.footer(), events.get(0)[0], events.get(0)[1],
				events.get(0)[2], events.get(1)[1], events.get(1)[2]);
	}

	/** One worker: claims and writes batches until nothing is due; the counts of rows it wrote. */
	private static long[] drain(DataSource dataSource, String prefix, Template t, Instant until, int batch,
			String worker) throws SQLException {
		long[] total = new long[4];
		Timestamp now = Timestamp.from(Instant.now());
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			JdbcClient session = JdbcClient.create(new SingleConnectionDataSource(connection, true));
			session.sql("CREATE TEMP SEQUENCE IF NOT EXISTS ceiling_ids").update();
			connection.commit();
			try {
				while (true) {
					String[] ids = session.sql(CLAIM)
						.param("until", Timestamp.from(until))
						.param("prefix", prefix + "%")
						.param("limit", batch)
						.query(String.class)
						.list()
						.toArray(String[]::new);
					connection.commit();
					if (ids.length == 0) {
						return total;
					}
					session.sql(ATTEMPTS).param("ids", ids).param("now", now).update();
					connection.commit();
					session.sql(LEDGER).param("ids", ids).param("now", now).update();
					connection.commit();
					session.sql("SET LOCAL synchronous_commit TO OFF").update();
					long[] counts = session.sql(WRITES)
						.param("ids", ids)
						.param("now", now)
						.param("origin", t.chargeOrigin())
						.param("worker", worker)
						.param("chargePrefix", idPrefix(t.chargeId()))
						.param("chargeDigits", digits(t.chargeId(), worker))
						.param("noticePrefix", idPrefix(t.noticeId()))
						.param("noticeDigits", digits(t.noticeId(), worker))
						.param("eventPrefix", idPrefix(t.eventId()))
						.param("eventDigits", digits(t.eventId(), worker))
						.param("subject", t.subject())
						.param("body", t.body())
						.param("footer", t.footer(), java.sql.Types.INTEGER)
						.param("templateSubscription", t.subscriptionId())
						.param("templateCharge", t.chargeId())
						.param("firstType", t.firstType())
						.param("firstData", t.firstData())
						.param("secondType", t.secondType())
						.param("secondData", t.secondData())
						.query((rs, n) -> new long[] { rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4) })
						.single();
					connection.commit();
					session.sql("SELECT pg_advisory_unlock_all()").query().listOfRows();
					connection.commit();
					for (int i = 0; i < total.length; i++) {
						total[i] += counts[i];
					}
				}
			}
			finally {
				connection.rollback();
				session.sql("SELECT pg_advisory_unlock_all()").query().listOfRows();
				connection.commit();
				connection.setAutoCommit(true);
			}
		}
	}

	/** How many digits make an id of {@code template}'s length after its prefix and the worker. */
	private static int digits(String template, String worker) {
		return template.length() - idPrefix(template).length() - worker.length();
	}

	private static String idPrefix(String id) {
		int underscore = id.indexOf('_');
		return underscore < 0 ? "" : id.substring(0, underscore + 1);
	}

}
