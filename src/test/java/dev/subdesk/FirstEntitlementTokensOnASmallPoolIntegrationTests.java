package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The first entitlement token of a fresh installation makes the signing key (committed on its own). Issuing it must
 * not hold one connection of the pool while it waits for another to make the key: with every connection so held, no
 * request got one until the pool's timeout, and each answered 500. A server of its own with the smallest pool it
 * starts with (five: the renewal run's four with one worker and one scheduler thread, and one for requests).
 */
@SubdeskIntegrationTest
class FirstEntitlementTokensOnASmallPoolIntegrationTests {

	private static final int POOL = 5;

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	/** A thread for each request at once, whatever the number of processors. */
	private final ExecutorService threads = Executors.newCachedThreadPool();

	@AfterEach
	void stopThreads() {
		threads.shutdownNow();
	}

	@Test
	void firstTokensNeedOneConnectionEachAndMoreAtOnceThanThePoolHasAllSucceed() throws Exception {
		String url = ChildServer.newDatabase(testDatabase, "token_pool_");
		ChildServer node = null;
		try {
			node = ChildServer.start(url, logs.resolve("node.log"), "--subdesk.db-pool-size=" + POOL,
					"--subdesk.renewals.workers=1", "--spring.task.scheduling.pool.size=1");
			JdbcClient database = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
			Fixtures fixtures = new Fixtures(node.api());
			String account = fixtures.accountWithVisa();
			String subscription = fixtures.subscribe(account, "total-annual");
			List<String> devices = new ArrayList<>();
			// one more first token at once than the pool has connections; with the POOL - 1 registered while one is
			// left, as many devices as the plan's 10 seats
			for (int i = 0; i < POOL + 1; i++) {
				devices.add(device(node.api(), account, subscription).id());
			}

			aFirstTokenWithOneConnectionLeft(node.api(), database, url, account, subscription, devices.get(0));
			firstTokensAtOnce(node.api(), database, devices);
		}
		finally {
			if (node != null) {
				node.stop();
			}
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * Every connection of the pool but one is held by a request that waits for the account's lock (held here): the
	 * first token is issued with the one left.
	 */
	private void aFirstTokenWithOneConnectionLeft(Api api, JdbcClient database, String url, String account,
			String subscription, String device) throws Exception {
		database.sql("DELETE FROM entitlement_keys").update();
		List<CompletableFuture<Api.Response>> waiting;
		try (Connection holder = DriverManager.getConnection(url, "postgres", "")) {
			holder.setAutoCommit(false);
			try (PreparedStatement lock = holder.prepareStatement("SELECT id FROM accounts WHERE id = ? FOR UPDATE")) {
				lock.setString(1, account);
				assertThat(lock.executeQuery().next()).isTrue();
			}
			waiting = new ArrayList<>();
			for (int i = 0; i < POOL - 1; i++) {
				waiting.add(CompletableFuture.supplyAsync(() -> device(api, account, subscription), threads));
			}
			await("requests hold all connections but one, waiting for the account's lock").atMost(Duration.ofSeconds(30))
				.until(() -> database.sql("""
						SELECT count(*) FROM pg_stat_activity
						WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
						""").query(Long.class).single() == POOL - 1);

			Api.Response token = token(api, device);

			assertThat(token.status()).as(token.toString()).isEqualTo(200);
			holder.commit();
		}
		for (CompletableFuture<Api.Response> registration : waiting) {
			assertThat(registration.get().status()).isEqualTo(201);
		}
	}

	/** More first tokens at once than the pool has connections. */
	private void firstTokensAtOnce(Api api, JdbcClient database, List<String> devices) throws Exception {
		database.sql("DELETE FROM entitlement_keys").update();
		CyclicBarrier start = new CyclicBarrier(devices.size());
		List<CompletableFuture<Api.Response>> calls = new ArrayList<>();
		for (String device : devices) {
			calls.add(CompletableFuture.supplyAsync(() -> {
				try {
					start.await();
				}
				catch (Exception e) {
					throw new IllegalStateException(e);
				}
				return token(api, device);
			}, threads));
		}
		for (CompletableFuture<Api.Response> call : calls) {
			Api.Response answer = call.get();
			assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		}
		assertThat(database.sql("SELECT count(*) FROM entitlement_keys").query(Long.class).single())
			.as("one first key").isEqualTo(1);
	}

	private static Api.Response device(Api api, String account, String subscription) {
		Api.Response answer = api.post("/accounts/" + account + "/devices",
				Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", subscription));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
		return answer;
	}

	private static Api.Response token(Api api, String device) {
		return api.post("/devices/" + device + "/entitlement-token", Map.of());
	}
}
