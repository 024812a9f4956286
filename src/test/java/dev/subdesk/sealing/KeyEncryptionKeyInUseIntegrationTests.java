package dev.subdesk.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The fleet's record of the key-encryption key in use (kek_in_use): a node started with another
 * SUBDESK_ENTITLEMENT_KEK than the one recorded last, and neither previous nor next, refuses to start, naming both keys,
 * before it seals anything; every step of the documented rotation starts, whichever order the nodes start in. Each node
 * is a server of its own on a database of its own.
 */
@SubdeskIntegrationTest
class KeyEncryptionKeyInUseIntegrationTests {

	private static final String A = SubdeskIntegrationTest.ENTITLEMENT_KEK;

	/** Another key-encryption key (the new one of a rotation, or a wrong one), base64 of 32 bytes, no secret. */
	private static final String B = "cm90YXRlZC1rZXktZW5jcnlwdGlvbi1rZXktMzIhISE=";

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	@Test
	void aNodeStartedWithAnotherKeyThanTheOneInUseRefusesToStartNamingBoth() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_in_use_wrong_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try {
			ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A).stop();

			String refusal = refusal(url, "b.log", "--subdesk.entitlements.kek=" + B);
			assertThat(refusal).contains("APPLICATION FAILED TO START")
				.contains("SUBDESK_ENTITLEMENT_KEK is not the key-encryption key in use: this node's key is " + b
						+ ", while the key recorded last by a node's start (kek_in_use) is " + a + ", which is neither")
				.contains("Start it with the SUBDESK_ENTITLEMENT_KEK the other nodes run")
				.contains("Changing the key-encryption key");
			assertThat(recorded(db)).as("the first start, on an empty record, recorded its key; the refused one nothing")
				.containsExactly(a);
			assertThat(db.sql("SELECT count(*) FROM entitlement_keys WHERE kek_id = :b").param("b", b)
				.query(Long.class).single()).as("nothing sealed under the wrong key").isZero();
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * The steps of docs/OPERATIONS.md with several nodes: A in use; step 1 (A, B next) while A alone still runs; step 2
	 * (B, A previous) while a step-1 node still runs; a step-1 node restarting after a step-2 node recorded B; step 2
	 * again on every node; step 4 (B alone). A node with the old key alone after that is refused, and so is one with the
 * step-1 configuration (the old key, the new one next).
	 */
	@Test
	void everyStepOfARotationStartsAndTheOldKeyAloneIsRefusedAfterIt() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_in_use_rotation_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		String stepOne = "--subdesk.entitlements.kek-next=" + B;
		String stepTwo = "--subdesk.entitlements.kek-previous=" + A;
		try {
			ChildServer onlyA = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
			ChildServer first = ChildServer.start(url, logs.resolve("step-1.log"), "--subdesk.entitlements.kek=" + A,
					stepOne);
			onlyA.stop();
			ChildServer second = ChildServer.start(url, logs.resolve("step-2.log"), "--subdesk.entitlements.kek=" + B,
					stepTwo);
			first.stop();
			assertThat(last(db)).as("the step-2 node recorded last").isEqualTo(b);
			ChildServer.start(url, logs.resolve("step-1-again.log"), "--subdesk.entitlements.kek=" + A, stepOne).stop();
			assertThat(last(db)).isEqualTo(a);
			second.stop();
			ChildServer.start(url, logs.resolve("step-2-again.log"), "--subdesk.entitlements.kek=" + B, stepTwo).stop();
			ChildServer.start(url, logs.resolve("step-4.log"), "--subdesk.entitlements.kek=" + B).stop();
			assertThat(recorded(db)).as("one row per key").containsExactlyInAnyOrder(a, b);
			assertThat(last(db)).isEqualTo(b);

			assertThat(refusal(url, "a-after.log", "--subdesk.entitlements.kek=" + A))
				.contains("this node's key is " + a + ", while the key recorded last by a node's start (kek_in_use) is "
						+ b);
			assertThat(refusal(url, "step-1-after.log", "--subdesk.entitlements.kek=" + A, stepOne))
				.as("a step-1 configuration after the rotation ended: it would seal under the dropped key")
				.contains("this node's key is " + a + ", while the node whose start (kek_in_use) was recorded last runs "
						+ b + " and opens only [" + b + "]");
			assertThat(last(db)).as("the refused starts recorded nothing").isEqualTo(b);
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * Two nodes with different keys starting at the same moment on an empty record (a new installation): the second
	 * one's first check, made while the first node is still starting, waits for the first node's record and is then
	 * refused, before it seals anything; had the first start failed instead, the second would pass and record its key.
	 * Each node's start is played by direct calls (its first check, then its record), on threads of the test's own.
	 */
	@Test
	void ofTwoNodesWithDifferentKeysStartingAtOnceOnAnEmptyRecordTheSecondIsRefusedAtItsFirstCheck() throws Exception {
		KeyEncryptionKey a = new KeyEncryptionKey(A, "");
		KeyEncryptionKey b = new KeyEncryptionKey(B, "");
		String url = ChildServer.newDatabase(testDatabase, "kek_in_use_race_");
		DriverManagerDataSource database = new DriverManagerDataSource(url, "postgres", "");
		JdbcClient db = JdbcClient.create(database);
		TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(database));
		db.sql(new ClassPathResource("db/migration/V610__kek_in_use.sql").getContentAsString(StandardCharsets.UTF_8))
			.update();
		ExecutorService nodeB = Executors.newSingleThreadExecutor();
		try {
			KeyEncryptionKeyInUse nodeA = KeyEncryptionKeyInUse.checked(a, database, db, transactions, Clock.systemUTC());
			Future<KeyEncryptionKeyInUse> secondStart = nodeB
				.submit(() -> KeyEncryptionKeyInUse.checked(b, database, db, transactions, Clock.systemUTC()));
			awaitWaitingForTheRecord(db);
			assertThat(secondStart)
				.as("node B's first check, while node A is still starting on the empty record, waits for its record")
				.isNotDone();
			nodeA.afterSingletonsInstantiated();
			assertThatThrownBy(() -> secondStart.get(15, TimeUnit.SECONDS)).as("then refused, having sealed nothing")
				.hasCauseInstanceOf(KeyEncryptionKeyNotInUse.class);
			assertThat(recorded(db)).containsExactly(a.id());

			db.sql("DELETE FROM kek_in_use").update();
			KeyEncryptionKeyInUse failing = KeyEncryptionKeyInUse.checked(a, database, db, transactions, Clock.systemUTC());
			Future<KeyEncryptionKeyInUse> afterIt = nodeB
				.submit(() -> KeyEncryptionKeyInUse.checked(b, database, db, transactions, Clock.systemUTC()));
			awaitWaitingForTheRecord(db);
			assertThat(afterIt).isNotDone();
			failing.destroy(); // node A's start fails for another reason before its record
			afterIt.get(15, TimeUnit.SECONDS).afterSingletonsInstantiated();
			assertThat(recorded(db)).as("the failed start recorded nothing").containsExactly(b.id());
		}
		finally {
			nodeB.shutdownNow();
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * Until a check waits for the lock of the record (rather than a fixed while: a check that went on instead would
	 * be done, which the caller asserts it is not).
	 */
	private static void awaitWaitingForTheRecord(JdbcClient db) {
		await("a check waiting for the lock of kek_in_use").atMost(Duration.ofSeconds(10))
			.until(() -> db.sql("""
					SELECT count(*) FROM pg_locks
					WHERE NOT granted AND relation = 'kek_in_use'::regclass
					  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
					""").query(Long.class).single() > 0);
	}

	private static List<String> recorded(JdbcClient db) {
		return db.sql("SELECT kek_id FROM kek_in_use ORDER BY recorded_seq").query(String.class).list();
	}

	private static String last(JdbcClient db) {
		return recorded(db).getLast();
	}

	/** The log of a start that must be refused. */
	private String refusal(String url, String log, String... arguments) throws Exception {
		switch (ChildServer.launch(url, logs.resolve(log), arguments)) {
			case ChildServer.Running running -> {
				running.server().stop();
				return fail("The node started instead of refusing (see " + running.server().log() + ")");
			}
			case ChildServer.Refused refused -> {
				assertThat(refused.exitCode()).as("exit code").isNotZero();
				return Files.readString(refused.log());
			}
		}
	}
}
