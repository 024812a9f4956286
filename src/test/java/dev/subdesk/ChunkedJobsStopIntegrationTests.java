package dev.subdesk;

import static dev.subdesk.testing.StoppingNode.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.MigrationDatabase;
import dev.subdesk.testing.RenewalSeeder;
import dev.subdesk.testing.RowWriteHold;
import dev.subdesk.testing.StoppingNode;
import dev.subdesk.testing.SubscriptionUpdateHold;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A node stopped while a job of another module goes through its work chunk by chunk: the ends of subscriptions whose
 * end was scheduled (cancellation's ScheduledEnds, 200 at a time) and the PRICE_CHANGE notices (subscriptions'
 * SubscriptionPriceChanges, a batch at a time). Once the stop begins, each ends the chunk in hand (every end, every
 * notice of it, committed whole) and claims no other; the rest is left due, and a node started on the same database
 * afterwards does it. Before, those loops went on through the scheduler's stop wait, as
 * {@link RenewalRunStopIntegrationTests} showed for the renewal run and its notices. A server of its own on a database
 * of its own, batches of {@value #BATCH}, the scheduler's run every second.
 */
class ChunkedJobsStopIntegrationTests {

	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	/** ScheduledEnds' chunk. */
	private static final int END_CHUNK = 200;

	private static final int ENDS = END_CHUNK + 50;

	private static final int NOTICES = 60;

	private static final int BATCH = 5;

	@TempDir
	Path dataDir;

	@AfterAll
	static void stopDatabase() throws Exception {
		POSTGRES.close();
	}

	@Test
	void aStopWhileScheduledEndsTakeEffectEndsTheChunkInHandAndTheNextNodeEndsTheRest() throws Exception {
		String url = POSTGRES.newDatabase("ends_stop_");
		DriverManagerDataSource database = new DriverManagerDataSource(url, "postgres", "");
		JdbcClient jdbc = JdbcClient.create(database);
		StoppingNode node = StoppingNode.start(url, dataDir, BATCH);
		Instant now = node.bean(Clock.class).instant();
		String prefix = RenewalSeeder.seed(database, ENDS, now.plus(Duration.ofDays(20)));
		try (node; SubscriptionUpdateHold hold = new SubscriptionUpdateHold(jdbc, database, "ends_stop_hold", 7_342_201L,
				"NEW.id LIKE '" + prefix + "%' AND OLD.status = 'ACTIVE' AND NEW.status = 'CANCELLED'")) {
			jdbc.sql("UPDATE subscriptions SET auto_renew = false, cancel_at = :at WHERE id LIKE :p")
				.param("at", Timestamp.from(now.minus(Duration.ofHours(1))))
				.param("p", prefix + "%")
				.update();
			hold.awaitHeld("the first scheduled end of the chunk held as it takes effect");

			node.stopWhileHeld(hold);

			assertThat(count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p AND status = 'CANCELLED'", prefix))
				.as("subscriptions ended: the chunk in hand only, no chunk read after the stop began")
				.isEqualTo(END_CHUNK);
			assertThat(count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p AND status = 'ACTIVE'", prefix))
				.as("the rest left due for the next run, on any node")
				.isEqualTo(ENDS - END_CHUNK);
		}

		try (StoppingNode next = StoppingNode.start(url, dataDir, BATCH)) {
			await("the next node's run ends the rest").atMost(Duration.ofSeconds(60))
				.until(() -> count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p AND status = 'CANCELLED'",
						prefix) == ENDS);
		}
	}

	@Test
	void aStopWhilePriceChangeNoticesGoOutSendsTheBatchInHandAndTheNextNodeSendsTheRest() throws Exception {
		String url = POSTGRES.newDatabase("price_notices_stop_");
		DriverManagerDataSource database = new DriverManagerDataSource(url, "postgres", "");
		JdbcClient jdbc = JdbcClient.create(database);
		StoppingNode node = StoppingNode.start(url, dataDir, BATCH);
		Instant now = node.bean(Clock.class).instant();
		// renewing in ten days: a price change from the day before is told now (30 days ahead at most, 7 at least)
		String prefix = RenewalSeeder.seed(database, NOTICES, now.plus(Duration.ofDays(10)));
		try (node; RowWriteHold hold = new PriceChangeNoticeHold(jdbc, database, prefix)) {
			// scheduled straight into the table: the API schedules a change the notice lead (30 days) ahead at least
			jdbc.sql("""
					INSERT INTO plan_price_changes (id, plan_code, price_amount, currency, effective_from,
					    existing_subscribers, created_at, created_by)
					VALUES ('pc_stop_test', 'antivirus-monthly', 799, 'USD', :from, 'MOVE', :now, 'test')
					""")
				.param("from", Timestamp.from(now.plus(Duration.ofDays(9))))
				.param("now", Timestamp.from(now))
				.update();
			hold.awaitHeld("the first batch of price change notices held as it is recorded");

			node.stopWhileHeld(hold);

			assertThat(told(jdbc, prefix)).as("subscriptions told: the batch in hand only, no batch claimed after the "
					+ "stop began").isEqualTo(BATCH);
			assertThat(count(jdbc, "SELECT count(*) FROM notices n JOIN subscriptions s ON s.account_id = n.account_id "
					+ "WHERE s.id LIKE :p AND n.type = 'PRICE_CHANGE'", prefix))
				.as("the batch in hand's notices stored with their record")
				.isEqualTo(BATCH);
		}

		try (StoppingNode next = StoppingNode.start(url, dataDir, BATCH)) {
			await("the next node's run tells the rest").atMost(Duration.ofSeconds(60))
				.until(() -> told(jdbc, prefix) == NOTICES);
			assertThat(count(jdbc, "SELECT count(*) FROM notices n JOIN subscriptions s ON s.account_id = n.account_id "
					+ "WHERE s.id LIKE :p AND n.type = 'PRICE_CHANGE'", prefix))
				.as("one notice each, none twice")
				.isEqualTo(NOTICES);
		}
	}

	/** Holds the recording of the PRICE_CHANGE notices of the subscriptions seeded under {@code prefix}. */
	private static final class PriceChangeNoticeHold extends RowWriteHold {

		PriceChangeNoticeHold(JdbcClient jdbc, DataSource dataSource, String prefix) throws SQLException {
			super(jdbc, dataSource, "price_notices_stop_hold", 7_342_202L, "INSERT", "subscription_price_changes",
					"NEW.subscription_id LIKE '" + prefix + "%'");
		}
	}

	private static long told(JdbcClient jdbc, String prefix) {
		return count(jdbc, "SELECT count(*) FROM subscription_price_changes WHERE subscription_id LIKE :p", prefix);
	}
}
