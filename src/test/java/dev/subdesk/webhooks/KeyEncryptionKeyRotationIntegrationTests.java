package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.EntitlementVerifier;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A rotation of the key-encryption key, as an operator runs it, each step a server of its own on one database: key A
 * seals an entitlement signing key, a webhook endpoint's secret and a stored idempotent answer, and signs a list
 * cursor. Started with key B alone (on a database from before the record of the key in use, which would refuse it),
 * the server cannot open what A sealed and says so. Started with B and A as the
 * previous key, everything A made still works (the token signs with the same key and verifies, deliveries are signed
 * with the same secret, the answer replays, the cursor is taken) and every row is sealed again under B, which the
 * server reports. A node of step 1 (A, with B as the next key) opens what B sealed and leaves it sealed under B; then
 * B alone runs it all.
 */
@SubdeskIntegrationTest
class KeyEncryptionKeyRotationIntegrationTests {

	private static final String A = SubdeskIntegrationTest.ENTITLEMENT_KEK;
	private static final String B = "cm90YXRlZC1rZXktZW5jcnlwdGlvbi1rZXktMzIhISE=";

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	private record Made(String device, String kid, String endpoint, String secret, String createKey, String cursor) {
	}

	@Test
	void aServerWithTheNewKeyAndTheOldOneAsPreviousOpensWhatTheOldOneSealedAndResealsItAll() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_rotation_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try (Receiver receiver = new Receiver()) {
			Made made = underA(url, receiver);
			assertThat(sealedBy(db)).as("what A sealed").containsOnly(a);

			// as on a database upgraded from before V610, where no node's key is recorded yet: with A recorded, a node
			// with B alone refuses to start (KeyEncryptionKeyInUseIntegrationTests)
			db.sql("DELETE FROM kek_in_use").update();
			ChildServer onlyB = ChildServer.start(url, logs.resolve("only-b.log"), "--subdesk.entitlements.kek=" + B,
					"--subdesk.entitlements.kek-reseal-initial-delay=PT0S");
			try {
				Api.Response token = onlyB.api().uncheckedAgainstTheDescription()
					.post("/devices/" + made.device() + "/entitlement-token", Map.of());
				assertThat(token.status()).as(token.toString()).isEqualTo(500);
				await("the server says which key sealed the key").atMost(Duration.ofSeconds(30))
					.until(() -> Files.readString(onlyB.log()).contains("sealed with another SUBDESK_ENTITLEMENT_KEK ("
							+ a + ", this server has " + b + ")"));
			}
			finally {
				onlyB.stop();
			}
			assertThat(sealedBy(db)).as("nothing re-sealed without the previous key").containsOnly(a);

			ChildServer rotated = ChildServer.start(url, logs.resolve("b-previous-a.log"),
					"--subdesk.entitlements.kek=" + B, "--subdesk.entitlements.kek-previous=" + A,
					"--subdesk.entitlements.kek-reseal-initial-delay=PT0S", "--subdesk.entitlements.kek-reseal-interval=PT1S",
					"--logging.level.dev.subdesk.sealing=INFO");
			try {
				everythingAMadeWorks(rotated, made, receiver);
				await("every row re-sealed under B").atMost(Duration.ofSeconds(60))
					.until(() -> sealedBy(db).equals(List.of(b)));
				await("the server says the previous key can go").atMost(Duration.ofSeconds(30))
					.until(() -> Files.readString(rotated.log()).contains("none is sealed under the previous key(s) ["
							+ a + "] any more as this node sees it; once every node runs the new key, drop them from "
							+ "SUBDESK_ENTITLEMENT_KEK_PREVIOUS"));
				everythingAMadeWorks(rotated, made, receiver);
			}
			finally {
				rotated.stop();
			}

			// step 1 of the procedure: a node still on A that takes B ahead of time, running while others already run B
			ChildServer stepOne = ChildServer.start(url, logs.resolve("a-next-b.log"), "--subdesk.entitlements.kek=" + A,
					"--subdesk.entitlements.kek-next=" + B, "--subdesk.entitlements.kek-reseal-initial-delay=PT0S",
					"--subdesk.entitlements.kek-reseal-interval=PT1S", "--logging.level.dev.subdesk.sealing=DEBUG");
			try {
				await("a re-seal run on the node with the next key").atMost(Duration.ofSeconds(60))
					.until(() -> Files.readString(stepOne.log()).contains("nothing to re-seal")
							|| Files.readString(stepOne.log()).contains("Key-encryption key rotation"));
				assertThat(sealedBy(db)).as("what B sealed stays sealed under B on a node with B as the next key")
					.containsOnly(b);
				long underB = sealedUnder(db, b);
				everythingSealedWorks(stepOne, made, receiver);
				assertThat(sealedUnder(db, b)).as("rows sealed under B, after more runs").isEqualTo(underB);
			}
			finally {
				stepOne.stop();
			}

			// every node runs step 2 again (the step-1 node above started last), so B is the key recorded last
			ChildServer.start(url, logs.resolve("b-previous-a-again.log"), "--subdesk.entitlements.kek=" + B,
					"--subdesk.entitlements.kek-previous=" + A, "--subdesk.entitlements.kek-reseal-initial-delay=PT1H")
				.stop();

			assertThat(Files.readString(logs.resolve("only-b.log"))).as("said at start")
				.contains("4 row(s) are sealed under key-encryption key " + a + ", which is neither "
						+ "SUBDESK_ENTITLEMENT_KEK (" + b + ") nor listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS");

			ChildServer onlyBAgain = ChildServer.start(url, logs.resolve("only-b-again.log"),
					"--subdesk.entitlements.kek=" + B);
			try {
				Api.Response page = onlyBAgain.api().get("/webhook-endpoints?limit=1&cursor=" + made.cursor());
				assertThat(page.status()).as("a cursor of A's once A is dropped: %s", page).isEqualTo(400);
				Api.Response first = onlyBAgain.api().get("/webhook-endpoints?limit=1");
				assertThat(onlyBAgain.api().get("/webhook-endpoints?limit=1&cursor=" + first.text("nextCursor")).status())
					.isEqualTo(200);
				everythingSealedWorks(onlyBAgain, made, receiver);
			}
			finally {
				onlyBAgain.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * A secret rotated while it is still sealed under the previous key (before the re-seal job has come to it) keeps
	 * signing for its 24 hours beside the new one (API.md: "the old secret signs too for 24 hours"): it is sealed
	 * again under the current key, not dropped as one sealed with a key this server does not have is.
	 */
	@Test
	void aSecretRotatedWhileStillSealedUnderThePreviousKeySignsBesideTheNewOne() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_rotate_secret_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try (Receiver receiver = new Receiver()) {
			Api.Response endpoint;
			Api.Response untouched;
			ChildServer underA = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
			try {
				endpoint = underA.api().post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
				assertThat(endpoint.status()).as(endpoint.toString()).isEqualTo(201);
				untouched = underA.api()
					.post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("account.closed")));
				assertThat(untouched.status()).as(untouched.toString()).isEqualTo(201);
			}
			finally {
				underA.stop();
			}
			String old = endpoint.text("secret");

			ChildServer rotated = ChildServer.start(url, logs.resolve("b-previous-a.log"),
					"--subdesk.entitlements.kek=" + B, "--subdesk.entitlements.kek-previous=" + A,
					"--subdesk.entitlements.kek-reseal-initial-delay=PT1H",
					"--subdesk.entitlements.kek-reseal-interval=PT1H");
			try {
				assertThat(secretSealedBy(db, endpoint.id())).as("still A's: the re-seal job has not run").isEqualTo(a);
				Api.Response rotation = rotated.api().post("/webhook-endpoints/" + endpoint.id() + "/rotate-secret",
						Map.of());
				assertThat(rotation.status()).as(rotation.toString()).isEqualTo(200);
				String next = rotation.text("secret");
				assertThat(next).isNotEqualTo(old);

				int before = receiver.received().size();
				new Fixtures(rotated.api()).account(); // an event the endpoint gets
				await("a delivery signed with the old secret and the new one").atMost(Duration.ofSeconds(60))
					.until(() -> receiver.received().stream().skip(before).anyMatch(got -> StandardWebhooksVerifier
						.verifies(next, got.id(), got.timestamp(), got.body(), got.signature())));
				assertThat(receiver.received().stream().skip(before)
					.filter(got -> StandardWebhooksVerifier.verifies(next, got.id(), got.timestamp(), got.body(),
							got.signature())))
					.as("the overlap: each delivery signed with the new secret verifies with the old one too")
					.isNotEmpty()
					.allSatisfy(got -> assertThat(StandardWebhooksVerifier.verifies(old, got.id(), got.timestamp(),
							got.body(), got.signature())).as(got.signature()).isTrue());
				assertThat(db.sql("SELECT secret_kek_id FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
					.param("id", endpoint.id())
					.query(String.class)
					.list()).as("the old secret kept, sealed again under B").containsExactly(b);
				assertThat(secretSealedBy(db, untouched.id())).as("the job has still not run").isEqualTo(a);
			}
			finally {
				rotated.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * A secret sealed under the previous key that does not open under it (its row altered, which the re-seal job leaves
	 * as it is) is rotated all the same, as OPERATIONS.md tells the operator to: without the 24 hours of overlap (the
	 * old secret cannot sign), which the log says, and the new secret signs alone at once.
	 */
	@Test
	void aSecretThatDoesNotOpenUnderThePreviousKeyIsRotatedWithoutTheOverlap() throws Exception {
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_rotate_damaged_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try (Receiver receiver = new Receiver()) {
			Api.Response endpoint;
			ChildServer underA = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
			try {
				endpoint = underA.api().post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
				assertThat(endpoint.status()).as(endpoint.toString()).isEqualTo(201);
			}
			finally {
				underA.stop();
			}
			db.sql("UPDATE webhook_endpoint SET sealed_secret = set_byte(sealed_secret, 20, get_byte(sealed_secret, 20) # 1) "
					+ "WHERE id = :id").param("id", endpoint.id()).update();

			ChildServer rotated = ChildServer.start(url, logs.resolve("b-previous-a.log"),
					"--subdesk.entitlements.kek=" + B, "--subdesk.entitlements.kek-previous=" + A,
					"--subdesk.entitlements.kek-reseal-initial-delay=PT1H",
					"--subdesk.entitlements.kek-reseal-interval=PT1H");
			try {
				Api.Response rotation = rotated.api().post("/webhook-endpoints/" + endpoint.id() + "/rotate-secret",
						Map.of());
				assertThat(rotation.status()).as(rotation.toString()).isEqualTo(200);
				String next = rotation.text("secret");
				assertThat(db.sql("SELECT count(*) FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
					.param("id", endpoint.id())
					.query(Long.class)
					.single()).as("the secret that does not open is not kept").isZero();
				assertThat(Files.readString(rotated.log())).contains("Webhook endpoint " + endpoint.id()
						+ ": its secret is rotated without the 24 hours in which the old one signs too");

				int before = receiver.received().size();
				new Fixtures(rotated.api()).account(); // an event the endpoint gets
				await("a delivery signed with the new secret").atMost(Duration.ofSeconds(60))
					.until(() -> receiver.received().stream().skip(before).anyMatch(got -> StandardWebhooksVerifier
						.verifies(next, got.id(), got.timestamp(), got.body(), got.signature())));
				assertThat(receiver.received().stream().skip(before))
					.allSatisfy(got -> assertThat(got.signature().split(" ")).as("the new secret alone").hasSize(1));
			}
			finally {
				rotated.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * A node of step 1 (A current, B next) that rotates a secret B sealed keeps the rotated-out secret sealed under B,
	 * as it was: nothing is re-sealed away from a next key (before, it was sealed again under A, the key being
	 * replaced). It signs beside the new one all the same.
	 */
	@Test
	void aNodeWithTheNewKeyAsNextKeepsARotatedOutSecretSealedUnderItAsItWas() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_rotate_next_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try (Receiver receiver = new Receiver()) {
			Api.Response endpoint;
			// a node of step 2 (B current, A previous) seals it: one of step 1 still starts beside it, as the record of
			// the key in use (kek_in_use) shows B's node opens A; after one of B alone it would be refused
			ChildServer underB = ChildServer.start(url, logs.resolve("b.log"), "--subdesk.entitlements.kek=" + B,
					"--subdesk.entitlements.kek-previous=" + A);
			try {
				endpoint = underB.api().post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
				assertThat(endpoint.status()).as(endpoint.toString()).isEqualTo(201);
			}
			finally {
				underB.stop();
			}
			String old = endpoint.text("secret");

			ChildServer stepOne = ChildServer.start(url, logs.resolve("a-next-b.log"), "--subdesk.entitlements.kek=" + A,
					"--subdesk.entitlements.kek-next=" + B);
			try {
				Api.Response rotation = stepOne.api().post("/webhook-endpoints/" + endpoint.id() + "/rotate-secret",
						Map.of());
				assertThat(rotation.status()).as(rotation.toString()).isEqualTo(200);
				String next = rotation.text("secret");
				assertThat(db.sql("SELECT secret_kek_id FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
					.param("id", endpoint.id())
					.query(String.class)
					.list()).as("the rotated-out secret, sealed under the next key B as it was (not A's %s)", a)
					.containsExactly(b);
				assertThat(secretSealedBy(db, endpoint.id())).as("the new secret: sealed with the current key")
					.isEqualTo(a);

				int before = receiver.received().size();
				new Fixtures(stepOne.api()).account(); // an event the endpoint gets
				await("a delivery signed with the new secret").atMost(Duration.ofSeconds(60))
					.until(() -> receiver.received().stream().skip(before).anyMatch(got -> StandardWebhooksVerifier
						.verifies(next, got.id(), got.timestamp(), got.body(), got.signature())));
				assertThat(receiver.received().stream().skip(before)
					.filter(got -> StandardWebhooksVerifier.verifies(next, got.id(), got.timestamp(), got.body(),
							got.signature())))
					.as("the overlap: the old secret signs too").isNotEmpty()
					.allSatisfy(got -> assertThat(StandardWebhooksVerifier.verifies(old, got.id(), got.timestamp(),
							got.body(), got.signature())).as(got.signature()).isTrue());
			}
			finally {
				stepOne.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	/**
	 * Rotated-out secrets whose 24 hours are over sign nothing; neither one that does not open under the previous key
	 * it names (altered) nor one under a key this server does not have holds back the end of the rotation: the
	 * re-seal pass and its count leave them out, so "done" comes and no error names them (before, the count stayed at
	 * 1 until the endpoint's next rotation, and every pass logged an error).
	 */
	@Test
	void rotatedOutSecretsPastTheirTwentyFourHoursDoNotHoldBackTheEndOfTheRotation() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String unknown = "kek_0000000000000000";
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_expired_old_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try (Receiver receiver = new Receiver()) {
			Api.Response endpoint;
			ChildServer underA = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
			try {
				endpoint = underA.api().post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
				assertThat(endpoint.status()).as(endpoint.toString()).isEqualTo(201);
				Api.Response rotation = underA.api().post("/webhook-endpoints/" + endpoint.id() + "/rotate-secret",
						Map.of());
				assertThat(rotation.status()).as(rotation.toString()).isEqualTo(200);
			}
			finally {
				underA.stop();
			}
			// the rotated-out secret, altered, and a copy of it named as sealed under a key no node has; both over
			db.sql("""
					UPDATE webhook_endpoint_old_secret
					SET sealed_secret = set_byte(sealed_secret, 20, get_byte(sealed_secret, 20) # 1),
					    signs_until = now() - interval '1 hour'
					WHERE endpoint_id = :id
					""").param("id", endpoint.id()).update();
			db.sql("""
					INSERT INTO webhook_endpoint_old_secret (endpoint_id, sealed_secret, secret_kek_id, signs_until)
					SELECT endpoint_id, sealed_secret, :unknown, signs_until FROM webhook_endpoint_old_secret
					WHERE endpoint_id = :id
					""").param("id", endpoint.id()).param("unknown", unknown).update();

			ChildServer rotated = ChildServer.start(url, logs.resolve("b-previous-a.log"),
					"--subdesk.entitlements.kek=" + B, "--subdesk.entitlements.kek-previous=" + A,
					"--subdesk.entitlements.kek-reseal-initial-delay=PT0S", "--subdesk.entitlements.kek-reseal-interval=PT1S",
					"--logging.level.dev.subdesk.sealing=INFO");
			try {
				await("the current secret re-sealed under B").atMost(Duration.ofSeconds(60))
					.until(() -> secretSealedBy(db, endpoint.id()).equals(b));
				await("the server says the previous key can go").atMost(Duration.ofSeconds(30))
					.until(() -> Files.readString(rotated.log()).contains("none is sealed under the previous key(s) ["
							+ a + "] any more as this node sees it"));
				assertThat(Files.readString(rotated.log())).as("nothing said about the rows past their 24 hours")
					.doesNotContain("do not open under the key they name")
					.doesNotContain("sealed under key-encryption key " + unknown);
			}
			finally {
				rotated.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private static String secretSealedBy(JdbcClient db, String endpoint) {
		return db.sql("SELECT secret_kek_id FROM webhook_endpoint WHERE id = :id")
			.param("id", endpoint)
			.query(String.class)
			.single();
	}

	/** Under key A: a device with a token, an endpoint made with an Idempotency-Key, and a list cursor. */
	private Made underA(String url, Receiver receiver) throws Exception {
		ChildServer server = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
		try {
			Api api = server.api();
			Fixtures fixtures = new Fixtures(api);
			String account = fixtures.accountWithVisa();
			String subscription = fixtures.subscribe(account, "total-annual");
			Api.Response device = api.post("/accounts/" + account + "/devices",
					Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", subscription));
			assertThat(device.status()).as(device.toString()).isEqualTo(201);
			String kid = verifiedToken(server, device.id());
			String createKey = "create-" + UUID.randomUUID();
			Api.Response endpoint = createEndpoint(api, receiver, createKey);
			assertThat(endpoint.status()).as(endpoint.toString()).isEqualTo(201);
			assertThat(api.post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*"))).status())
				.isEqualTo(201);
			Api.Response page = api.get("/webhook-endpoints?limit=1");
			assertThat(page.status()).isEqualTo(200);
			return new Made(device.id(), kid, endpoint.id(), endpoint.text("secret"), createKey, page.text("nextCursor"));
		}
		finally {
			server.stop();
		}
	}

	private void everythingAMadeWorks(ChildServer server, Made made, Receiver receiver) throws Exception {
		everythingSealedWorks(server, made, receiver);
		Api.Response page = server.api().get("/webhook-endpoints?limit=1&cursor=" + made.cursor());
		assertThat(page.status()).as("a cursor A signed: %s", page).isEqualTo(200);
	}

	private void everythingSealedWorks(ChildServer server, Made made, Receiver receiver) throws Exception {
		assertThat(verifiedToken(server, made.device())).as("the same signing key").isEqualTo(made.kid());
		Api.Response replayed = createEndpoint(server.api(), receiver, made.createKey());
		assertThat(replayed.status()).as(replayed.toString()).isEqualTo(201);
		assertThat(replayed.text("secret")).as("the stored answer, opened").isEqualTo(made.secret());

		int before = receiver.received().size();
		new Fixtures(server.api()).account(); // an event every endpoint gets
		await("a delivery signed with the secret A sealed").atMost(Duration.ofSeconds(60))
			.until(() -> receiver.received().stream().skip(before).anyMatch(got -> StandardWebhooksVerifier
				.verifies(made.secret(), got.id(), got.timestamp(), got.body(), got.signature())));
	}

	private static Api.Response createEndpoint(Api api, Receiver receiver, String key) {
		return api.send("POST", "/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")),
				"application/json", Map.of("Idempotency-Key", key));
	}

	private static String verifiedToken(ChildServer server, String device) {
		Api.Response token = server.api().post("/devices/" + device + "/entitlement-token", Map.of());
		assertThat(token.status()).as(token.toString()).isEqualTo(200);
		var verified = new EntitlementVerifier("http://127.0.0.1:" + server.port()).verify(token.text("token"));
		assertThat(verified).as("the token verifies with the published keys").isPresent();
		return verified.orElseThrow().kid();
	}

	/**
	 * A row that does not open under the previous key it names (altered) is left as it is and named in the log; the
	 * other rows of its table are re-sealed all the same.
	 */
	@Test
	void aDamagedRowIsLeftAndNamedAndTheOthersAreResealed() throws Exception {
		String a = new KeyEncryptionKey(A, "").id();
		String b = new KeyEncryptionKey(B, "").id();
		String url = ChildServer.newMigratedDatabase(testDatabase, "kek_damaged_");
		JdbcClient db = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
		try (Receiver receiver = new Receiver()) {
			List<String> endpoints = new java.util.ArrayList<>();
			ChildServer underA = ChildServer.start(url, logs.resolve("a.log"), "--subdesk.entitlements.kek=" + A);
			try {
				for (int i = 0; i < 3; i++) {
					Api.Response endpoint = underA.api()
						.post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
					assertThat(endpoint.status()).as(endpoint.toString()).isEqualTo(201);
					endpoints.add(endpoint.id());
				}
			}
			finally {
				underA.stop();
			}
			String damaged = endpoints.stream().sorted().toList().get(1); // between two good ones
			db.sql("UPDATE webhook_endpoint SET sealed_secret = set_byte(sealed_secret, 20, get_byte(sealed_secret, 20) # 1) "
					+ "WHERE id = :id").param("id", damaged).update();

			ChildServer rotated = ChildServer.start(url, logs.resolve("b-previous-a.log"),
					"--subdesk.entitlements.kek=" + B, "--subdesk.entitlements.kek-previous=" + A,
					"--subdesk.entitlements.kek-reseal-initial-delay=PT0S", "--subdesk.entitlements.kek-reseal-interval=PT1S",
					"--logging.level.dev.subdesk.sealing=INFO");
			try {
				await("every other endpoint re-sealed under B").atMost(Duration.ofSeconds(60))
					.until(() -> db.sql("SELECT id FROM webhook_endpoint WHERE secret_kek_id = :b ORDER BY id")
						.param("b", b).query(String.class).list(),
							ids -> ids.equals(endpoints.stream().filter(id -> !id.equals(damaged)).sorted().toList()));
				assertThat(db.sql("SELECT secret_kek_id FROM webhook_endpoint WHERE id = :id").param("id", damaged)
					.query(String.class).single()).as("the damaged row, as it was").isEqualTo(a);
				await("the damaged row named").atMost(Duration.ofSeconds(30))
					.until(() -> Files.readString(rotated.log()).contains("1 row(s) sealed under a previous "
							+ "key-encryption key do not open under the key they name (damaged or altered) and stay as "
							+ "they are: [webhook_endpoint " + damaged + "]"));
			}
			finally {
				rotated.stop();
			}
		}
		finally {
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private static long sealedUnder(JdbcClient db, String kekId) {
		return db.sql("""
				SELECT (SELECT count(*) FROM entitlement_keys WHERE kek_id = :k)
				    + (SELECT count(*) FROM webhook_endpoint WHERE sealed_secret IS NOT NULL AND secret_kek_id = :k)
				    + (SELECT count(*) FROM webhook_endpoint_old_secret WHERE secret_kek_id = :k)
				    + (SELECT count(*) FROM idempotency_keys WHERE response_sealed_by = :k)
				""").param("k", kekId).query(Long.class).single();
	}

	/** The keys every sealed row names, each once. */
	private static List<String> sealedBy(JdbcClient db) {
		return db.sql("""
				SELECT kek_id FROM entitlement_keys
				UNION SELECT secret_kek_id FROM webhook_endpoint WHERE sealed_secret IS NOT NULL
				UNION SELECT secret_kek_id FROM webhook_endpoint_old_secret
				UNION SELECT response_sealed_by FROM idempotency_keys WHERE response_sealed_by IS NOT NULL
				ORDER BY 1
				""").query(String.class).list();
	}
}
