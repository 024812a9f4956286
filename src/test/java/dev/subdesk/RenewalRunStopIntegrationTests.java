package dev.subdesk;

import static dev.subdesk.testing.StoppingNode.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.GatewayHold;
import dev.subdesk.testing.MigrationDatabase;
import dev.subdesk.testing.RenewalSeeder;
import dev.subdesk.testing.StoppingNode;
import dev.subdesk.testing.SubscriptionUpdateHold;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A node stopped during a big renewal run: the run claims no other batch once the stop begins (not only once its
 * workers are destroyed, after the scheduler's whole stop wait), and the batch in hand is charged and recorded
 * completely before the database closes. A server of its own on a database of its own (the stop closes it), one
 * renewal worker, batches of five; the sandbox gateway's ledger write of the first batch is held until the stop has
 * begun ({@link GatewayHold}). Likewise a stop while reminders are sent: the batch in hand is sent, no other is claimed,
 * and no later job of the run starts.
 */
@ExtendWith(OutputCaptureExtension.class)
class RenewalRunStopIntegrationTests {

	private static final MigrationDatabase POSTGRES = MigrationDatabase.start();

	private static final int DUE = 60;

	private static final int BATCH = 5;

	@TempDir
	Path dataDir;

	@AfterAll
	static void stopDatabase() throws Exception {
		POSTGRES.close();
	}

	@Test
	void aStopDuringARenewalRunRecordsTheBatchInHandAndClaimsNoOther() throws Exception {
		String url = POSTGRES.newDatabase("renewal_stop_");
		DriverManagerDataSource database = new DriverManagerDataSource(url, "postgres", "");
		JdbcClient jdbc = JdbcClient.create(database);
		StoppingNode node = StoppingNode.start(url, dataDir, BATCH, "--logging.level.dev.subdesk.renewals.Jobs=INFO");
		try (node; GatewayHold hold = new GatewayHold(jdbc, database, "renewal_stop_hold", 7_342_001L, "renewal_sub_S")) {
			String prefix = RenewalSeeder.seed(database, DUE, node.bean(Clock.class).instant().minus(Duration.ofHours(1)));
			hold.awaitHeld("the first batch's charges held at the gateway");

			node.stopWhileHeld(hold);

			assertThat(count(jdbc, "SELECT count(*) FROM purchase_attempts WHERE subscription_id LIKE :p", prefix))
				.as("attempts recorded: the batch in hand only, no batch claimed after the stop began")
				.isEqualTo(BATCH);
			assertThat(count(jdbc, "SELECT count(*) FROM purchase_attempts WHERE subscription_id LIKE :p "
					+ "AND status <> 'COMPLETED'", prefix))
				.as("attempts of the batch in hand left claimed but unrecorded")
				.isZero();
			assertThat(count(jdbc, "SELECT count(*) FROM charges WHERE subscription_id LIKE :p AND status = 'SUCCEEDED'",
					prefix))
				.as("the batch in hand's charges recorded")
				.isEqualTo(BATCH);
			assertThat(count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p AND period_index = 1", prefix))
				.as("the batch in hand's subscriptions moved on to their next period")
				.isEqualTo(BATCH);
			assertThat(count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p AND period_index = 0", prefix))
				.as("the rest left due for the next run, on any node")
				.isEqualTo(DUE - BATCH);
		}
	}

	@Test
	void aStopWhileRemindersAreSentSendsTheBatchInHandAndStartsNothingMore(CapturedOutput output) throws Exception {
		String url = POSTGRES.newDatabase("reminders_stop_");
		DriverManagerDataSource database = new DriverManagerDataSource(url, "postgres", "");
		JdbcClient jdbc = JdbcClient.create(database);
		StoppingNode node = StoppingNode.start(url, dataDir, BATCH, "--logging.level.dev.subdesk.renewals.Jobs=INFO");
		// renewing in two days: their RENEWAL_REMINDER (three days ahead) is due, their renewal is not
		String prefix = RenewalSeeder.seed(database, DUE, node.bean(Clock.class).instant().plus(Duration.ofDays(2)));
		try (node; SubscriptionUpdateHold hold = new SubscriptionUpdateHold(jdbc, database, "reminders_stop_hold", 7_342_002L,
				"NEW.id LIKE '" + prefix + "%' AND OLD.reminded_for IS NULL AND NEW.reminded_for IS NOT NULL")) {
			jdbc.sql("UPDATE subscriptions SET reminded_for = NULL WHERE id LIKE :p").param("p", prefix + "%").update();
			hold.awaitHeld("the first batch of reminders held at its claim");

			node.stopWhileHeld(hold);

			assertThat(count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p "
					+ "AND reminded_for = current_period_end", prefix))
				.as("subscriptions reminded: the batch in hand only, no batch claimed after the stop began")
				.isEqualTo(BATCH);
			assertThat(count(jdbc, "SELECT count(*) FROM notices n JOIN subscriptions s ON s.account_id = n.account_id "
					+ "WHERE s.id LIKE :p AND n.type = 'RENEWAL_REMINDER'", prefix))
				.as("the batch in hand's reminders stored with their mark")
				.isEqualTo(BATCH);
			assertThat(count(jdbc, "SELECT count(*) FROM subscriptions WHERE id LIKE :p AND reminded_for IS NULL", prefix))
				.as("the rest left due for the next run, on any node")
				.isEqualTo(DUE - BATCH);
			assertThat(output.getOut()).as("the jobs the stopping node did not start, named")
				.contains("The node is stopping: this run started none of the jobs [pre-billing notices, "
						+ "trial ending notices, renewal attempts, sweep of charges after a cancellation, "
						+ "reconciliation of pending money records]");
		}
	}
}
