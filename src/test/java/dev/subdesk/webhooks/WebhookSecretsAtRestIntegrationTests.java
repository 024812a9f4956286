package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The signing secrets are sealed at rest: none of a secret's bytes (its text, its base64, its raw bytes) is in any
 * table of the database, and deliveries signed with the opened secrets still verify with the test's own verifier,
 * after a rotation and for an endpoint stored in the clear before sealing (sealed when the server starts).
 */
@SubdeskIntegrationTest
class WebhookSecretsAtRestIntegrationTests {

	@Autowired
	WebhookEndpoints endpoints;

	@Autowired
	SealedSecrets secrets;

	@Autowired
	EventLog events;

	@Autowired
	TransactionTemplate transactions;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	DataSource dataSource;

	private final List<Receiver> receivers = new ArrayList<>();
	private final List<String> made = new ArrayList<>();

	@AfterEach
	void cleanUp() {
		made.forEach(id -> endpoints.find(id).ifPresent(e -> endpoints.delete(id)));
		receivers.forEach(Receiver::close);
	}

	@Test
	void noSecretIsStoredInTheClearAndDeliveriesSignedWithTheSealedOnesVerifyAfterARotation() throws Exception {
		Receiver receiver = receiver();
		var created = endpoints.create(receiver.url(), List.of("*"), "sealed");
		String id = created.endpoint().id();
		made.add(id);
		String rotated = endpoints.rotateSecret(id);

		assertNowhereInTheDatabase(created.secret());
		assertNowhereInTheDatabase(rotated);
		var row = jdbc.sql("SELECT secret, previous_secret, sealed_secret, secret_kek_id "
				+ "FROM webhook_endpoint WHERE id = :id").param("id", id).query().singleRow();
		assertThat(row.get("secret")).isNull();
		assertThat(row.get("previous_secret")).isNull();
		assertThat((byte[]) row.get("sealed_secret")).hasSize(12 + rotated.length() + 16);
		assertThat(row.get("secret_kek_id")).asString().startsWith("kek_");
		var old = jdbc.sql("SELECT sealed_secret, secret_kek_id FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", id)
			.query()
			.singleRow();
		assertThat((byte[]) old.get("sealed_secret")).hasSize(12 + created.secret().length() + 16);
		assertThat(old.get("secret_kek_id")).isEqualTo(row.get("secret_kek_id"));

		Receiver.Received got = deliveredAbout(receiver);
		assertThat(got.signature().split(" ")).hasSize(2);
		assertThat(StandardWebhooksVerifier.verifies(rotated, got.id(), got.timestamp(), got.body(), got.signature()))
			.isTrue();
		assertThat(StandardWebhooksVerifier.verifies(created.secret(), got.id(), got.timestamp(), got.body(),
				got.signature())).isTrue();
	}

	@Test
	void aSecretAnsweredToARequestWithAnIdempotencyKeyIsNotStoredInTheClearWithTheAnswer(@LocalServerPort int port)
			throws Exception {
		Receiver receiver = receiver();
		Api api = new Api(port);
		Map<String, Object> body = Map.of("url", receiver.url(), "events", List.of("*"), "description", "keyed");
		Api.Response first = api.send("POST", "/webhook-endpoints", body, "application/json",
				Map.of("Idempotency-Key", "create-" + UUID.randomUUID()));
		assertThat(first.status()).as(first.toString()).isEqualTo(201);
		String id = first.text("id");
		made.add(id);
		String rotateKey = "rotate-" + UUID.randomUUID();
		Api.Response rotated = api.send("POST", "/webhook-endpoints/" + id + "/rotate-secret", null, "application/json",
				Map.of("Idempotency-Key", rotateKey));
		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);

		assertNowhereInTheDatabase(first.text("secret"));
		assertNowhereInTheDatabase(rotated.text("secret"));
		Api.Response replayed = api.send("POST", "/webhook-endpoints/" + id + "/rotate-secret", null, "application/json",
				Map.of("Idempotency-Key", rotateKey));
		assertThat(replayed.text("secret")).as("the retry gets the first answer, opened").isEqualTo(rotated.text("secret"));
		assertThat(endpoints.find(id)).isPresent();
	}

	@Test
	void aSecretStoredInTheClearBeforeSealingIsSealedAtStartAndStillSigns() throws Exception {
		Receiver receiver = receiver();
		String plain = Signatures.newSecret();
		String plainPrevious = Signatures.newSecret();
		String id = endpointInTheClear(receiver, plain, plainPrevious);

		assertThat(secrets.sealPlainSecrets()).as("what the start-up seals").isGreaterThanOrEqualTo(1);
		assertThat(secrets.sealPlainSecrets()).as("nothing is left in the clear").isZero();
		assertNowhereInTheDatabase(plain);
		assertNowhereInTheDatabase(plainPrevious);

		Receiver.Received got = deliveredAbout(receiver);
		assertThat(StandardWebhooksVerifier.verifies(plain, got.id(), got.timestamp(), got.body(), got.signature()))
			.isTrue();
		assertThat(StandardWebhooksVerifier.verifies(plainPrevious, got.id(), got.timestamp(), got.body(),
				got.signature())).isTrue();
	}

	@Test
	void rotatingASecretStillInTheClearSealsItAndItsPlainPredecessorAndBothSignBesideTheNewOne() throws Exception {
		Receiver receiver = receiver();
		String plain = Signatures.newSecret();
		String plainPrevious = Signatures.newSecret();
		String id = endpointInTheClear(receiver, plain, plainPrevious);

		String rotated = endpoints.rotateSecret(id);
		assertNowhereInTheDatabase(plain);
		assertNowhereInTheDatabase(plainPrevious);
		assertNowhereInTheDatabase(rotated);
		Receiver.Received got = deliveredAbout(receiver);
		assertThat(got.signature().split(" ")).hasSize(3);
		for (String secret : List.of(rotated, plain, plainPrevious)) {
			assertThat(StandardWebhooksVerifier.verifies(secret, got.id(), got.timestamp(), got.body(),
					got.signature())).isTrue();
		}
	}

	/**
	 * The dispatcher holds {@code FOR KEY SHARE} on endpoints while it fans out and records outcomes, and an edit or a
	 * rotation holds {@code FOR NO KEY UPDATE}: a plain secret on a row locked so when the server starts is sealed
	 * all the same (once the lock is gone, if it must wait), not skipped and left in the clear.
	 */
	@Test
	void aSecretStoredInTheClearIsSealedEvenWhileItsRowIsLocked() throws Exception {
		for (String lock : List.of("FOR KEY SHARE", "FOR NO KEY UPDATE")) {
			String id = "we_plain" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
			String plain = Signatures.newSecret();
			jdbc.sql("""
					INSERT INTO webhook_endpoint (id, url, events, status, secret, created_at)
					VALUES (:id, 'http://127.0.0.1:9/hook', ARRAY['*'], 'DISABLED', :secret, :at)
					""").param("id", id).param("secret", plain).param("at", Timestamp.from(clock.instant())).update();
			made.add(id);

			try (Connection holder = dataSource.getConnection()) {
				holder.setAutoCommit(false);
				try (PreparedStatement held = holder
					.prepareStatement("SELECT id FROM webhook_endpoint WHERE id = ? " + lock)) {
					held.setString(1, id);
					held.executeQuery().close();
				}
				CompletableFuture<Integer> sealing = CompletableFuture.supplyAsync(secrets::sealPlainSecrets);
				// sealing reaches the locked row meanwhile and waits for it, or is done if it need not wait
				org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
					.until(() -> sealing.isDone() || jdbc.sql("SELECT count(*) FROM pg_locks WHERE NOT granted")
						.query(Long.class).single() > 0);
				holder.commit();
				assertThat(sealing.get(20, TimeUnit.SECONDS)).as(lock).isGreaterThanOrEqualTo(1);
			}
			assertThat(jdbc.sql("SELECT secret IS NULL AND sealed_secret IS NOT NULL FROM webhook_endpoint WHERE id = :id")
				.param("id", id)
				.query(Boolean.class)
				.single()).as("sealed with the row held %s", lock).isTrue();
			assertNowhereInTheDatabase(plain);
		}
	}

	@Test
	void aSecretSealedWithAnotherKeyHoldsBackOnlyItsOwnEndpointAndARotationLeavesItBehind() throws Exception {
		Receiver brokenReceiver = receiver();
		Receiver fineReceiver = receiver();
		var broken = endpoints.create(brokenReceiver.url(), List.of("*"), "sealed with another key");
		var fine = endpoints.create(fineReceiver.url(), List.of("*"), "fine");
		made.add(broken.endpoint().id());
		made.add(fine.endpoint().id());
		// as if SUBDESK_ENTITLEMENT_KEK had been changed since the secret was sealed
		jdbc.sql("UPDATE webhook_endpoint SET secret_kek_id = 'kek_0000000000000000' WHERE id = :id")
			.param("id", broken.endpoint().id())
			.update();

		Receiver.Received got = deliveredAbout(fineReceiver);
		assertThat(StandardWebhooksVerifier.verifies(fine.secret(), got.id(), got.timestamp(), got.body(),
				got.signature())).as("the other endpoint's deliveries of the same round go out").isTrue();
		await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.sql("""
				SELECT count(*) FROM webhook_delivery
				WHERE endpoint_id = :id AND status = 'PENDING' AND attempts = 1 AND last_error LIKE '%cannot be opened%'
				""").param("id", broken.endpoint().id()).query(Long.class).single() > 0);
		assertThat(brokenReceiver.accepted()).isEmpty();
		assertThat(endpoints.find(broken.endpoint().id()).orElseThrow().status().name())
			.as("not the receiver's fault: nothing counts towards disabling it").isEqualTo("ENABLED");

		String rotated = endpoints.rotateSecret(broken.endpoint().id());
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", broken.endpoint().id())
			.query(Long.class)
			.single()).as("the secret no key here opens is not kept as an old one").isZero();
		Receiver.Received afterRotation = deliveredAbout(brokenReceiver);
		assertThat(afterRotation.signature().split(" ")).hasSize(1);
		assertThat(StandardWebhooksVerifier.verifies(rotated, afterRotation.id(), afterRotation.timestamp(),
				afterRotation.body(), afterRotation.signature())).isTrue();
	}

	/**
	 * A current secret that does not open (its row altered) signs nothing: a rotation replaces it, and keeps no
	 * unopenable old secret beside the new one (which would hold back every delivery of the endpoint for 24 hours).
	 */
	@Test
	void rotatingADamagedSecretGivesANewOneThatSignsAloneAtOnce(@LocalServerPort int port) throws Exception {
		Receiver receiver = receiver();
		Api api = new Api(port);
		Api.Response created = api.post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		String id = created.text("id");
		made.add(id);
		jdbc.sql("UPDATE webhook_endpoint SET sealed_secret = set_byte(sealed_secret, 20, get_byte(sealed_secret, 20) # 1) "
				+ "WHERE id = :id").param("id", id).update();

		Api.Response rotated = api.post("/webhook-endpoints/" + id + "/rotate-secret", Map.of());
		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", id)
			.query(Long.class)
			.single()).as("the damaged secret is not kept signing").isZero();
		Receiver.Received got = deliveredAbout(receiver);
		assertThat(got.signature().split(" ")).hasSize(1);
		assertThat(StandardWebhooksVerifier.verifies(rotated.text("secret"), got.id(), got.timestamp(), got.body(),
				got.signature())).isTrue();
	}

	/**
	 * A current secret too short to have been sealed (a truncated or overwritten row) is as damaged as an altered one:
	 * a rotation replaces it (200, not a 500 from the cipher's setup), keeps nothing of it, and the new secret signs
	 * alone at once.
	 */
	@Test
	void rotatingASecretTooShortToHaveBeenSealedGivesANewOneThatSignsAloneAtOnce(@LocalServerPort int port)
			throws Exception {
		Receiver receiver = receiver();
		Api api = new Api(port);
		Api.Response created = api.post("/webhook-endpoints", Map.of("url", receiver.url(), "events", List.of("*")));
		assertThat(created.status()).as(created.toString()).isEqualTo(201);
		String id = created.text("id");
		made.add(id);
		jdbc.sql("UPDATE webhook_endpoint SET sealed_secret = '\\x01'::bytea WHERE id = :id").param("id", id).update();

		Api.Response rotated = api.post("/webhook-endpoints/" + id + "/rotate-secret", Map.of());
		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
		assertThat(jdbc.sql("SELECT count(*) FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", id)
			.query(Long.class)
			.single()).as("the damaged secret is not kept signing").isZero();
		Receiver.Received got = deliveredAbout(receiver);
		assertThat(got.signature().split(" ")).hasSize(1);
		assertThat(StandardWebhooksVerifier.verifies(rotated.text("secret"), got.id(), got.timestamp(), got.body(),
				got.signature())).isTrue();
	}

	/**
	 * A rotated-out secret that does not open (its row altered) would sign nothing: the current secret signs without
	 * it, at once, instead of every delivery of the endpoint waiting out the old secret's 24 hours; a warning names
	 * the row.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aDamagedRotatedOutSecretIsLeftOutAndTheCurrentOneSigns(CapturedOutput output) throws Exception {
		Receiver receiver = receiver();
		var created = endpoints.create(receiver.url(), List.of("*"), "damaged old secret");
		String id = created.endpoint().id();
		made.add(id);
		String rotated = endpoints.rotateSecret(id);
		long seq = jdbc.sql("SELECT seq FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", id)
			.query(Long.class)
			.single();
		jdbc.sql("UPDATE webhook_endpoint_old_secret SET sealed_secret = set_byte(sealed_secret, 20, "
				+ "get_byte(sealed_secret, 20) # 1) WHERE seq = :seq").param("seq", seq).update();

		Receiver.Received got = deliveredAbout(receiver);
		assertThat(got.signature().split(" ")).as("the current secret alone").hasSize(1);
		assertThat(StandardWebhooksVerifier.verifies(rotated, got.id(), got.timestamp(), got.body(), got.signature()))
			.isTrue();
		assertThat(output.getAll()).contains("Webhook endpoint " + id + ": 1 rotated-out secret(s) do not open and "
				+ "sign nothing; the others sign: webhook_endpoint_old_secret [" + seq + " (");
	}

	/**
	 * A damaged rotated-out secret is warned about once, not once per dispatch round for its 24 hours: every round
	 * still leaves it out and the current secret signs.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aDamagedRotatedOutSecretIsWarnedAboutOnceHoweverManyRoundsLeaveItOut(CapturedOutput output) throws Exception {
		Receiver receiver = receiver();
		var created = endpoints.create(receiver.url(), List.of("*"), "damaged old secret, many rounds");
		String id = created.endpoint().id();
		made.add(id);
		String rotated = endpoints.rotateSecret(id);
		long seq = jdbc.sql("SELECT seq FROM webhook_endpoint_old_secret WHERE endpoint_id = :id")
			.param("id", id)
			.query(Long.class)
			.single();
		jdbc.sql("UPDATE webhook_endpoint_old_secret SET sealed_secret = set_byte(sealed_secret, 20, "
				+ "get_byte(sealed_secret, 20) # 1) WHERE seq = :seq").param("seq", seq).update();

		for (int round = 0; round < 4; round++) {
			Receiver.Received got = deliveredAbout(receiver);
			assertThat(got.signature().split(" ")).as("the current secret alone, round " + round).hasSize(1);
			assertThat(StandardWebhooksVerifier.verifies(rotated, got.id(), got.timestamp(), got.body(),
					got.signature())).isTrue();
		}
		String warning = "Webhook endpoint " + id + ": 1 rotated-out secret(s) do not open";
		assertThat(output.getAll().split(java.util.regex.Pattern.quote(warning), -1)).as("warnings about the secret")
			.hasSize(2);
		assertThat(output.getAll()).contains(warning + " and sign nothing; the others sign: "
				+ "webhook_endpoint_old_secret [" + seq + " (");
	}

	@Test
	void aSealedSecretMovedToAnotherEndpointsRowDoesNotOpen() throws Exception {
		Receiver receiver = receiver();
		var first = endpoints.create(receiver.url(), List.of("*"), "first");
		var second = endpoints.create(receiver.url(), List.of("*"), "second");
		made.add(first.endpoint().id());
		made.add(second.endpoint().id());
		byte[] sealed = jdbc.sql("SELECT sealed_secret FROM webhook_endpoint WHERE id = :id")
			.param("id", first.endpoint().id())
			.query(byte[].class)
			.single();
		String kek = secrets.kekId();

		assertThatThrownBy(() -> jdbc.sql("SELECT :sealed AS sealed_secret, :kek AS secret_kek_id, NULL AS secret")
			.param("sealed", sealed)
			.param("kek", kek)
			.query((rs, n) -> secrets.read(rs, second.endpoint().id(), "sealed_secret", "secret"))
			.single()).hasMessageContaining("does not open");
		assertThat(jdbc.sql("SELECT :sealed AS sealed_secret, :kek AS secret_kek_id, NULL AS secret")
			.param("sealed", sealed)
			.param("kek", kek)
			.query((rs, n) -> secrets.read(rs, first.endpoint().id(), "sealed_secret", "secret"))
			.single()).isEqualTo(first.secret());
	}

	/**
	 * An endpoint row as the server wrote it before V180: its secret and its previous one (for another hour) in the
	 * clear. Answers its id.
	 */
	private String endpointInTheClear(Receiver receiver, String secret, String previous) {
		String id = "we_plain" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		jdbc.sql("""
				INSERT INTO webhook_endpoint (id, url, events, status, secret, previous_secret, previous_secret_until,
				    created_at)
				VALUES (:id, :url, ARRAY['*'], 'ENABLED', :secret, :previous, :until, :at)
				""")
			.param("id", id)
			.param("url", receiver.url())
			.param("secret", secret)
			.param("previous", previous)
			.param("until", Timestamp.from(clock.instant().plus(Duration.ofHours(1))))
			.param("at", Timestamp.from(clock.instant()))
			.update();
		made.add(id);
		return id;
	}

	private Receiver receiver() throws Exception {
		Receiver receiver = new Receiver();
		receivers.add(receiver);
		return receiver;
	}

	/** Appends an event of a new subject and waits for the receiver's first request about it. */
	private Receiver.Received deliveredAbout(Receiver receiver) {
		String subject = "sub_s" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
		transactions.execute(tx -> events.append(EventType.SUBSCRIPTION_UPDATED, subject, null,
				Map.of("id", subject, "status", "ACTIVE")));
		await().atMost(Duration.ofSeconds(20))
			.until(() -> receiver.accepted().stream().anyMatch(r -> r.json().path("subjectId").asString().equals(subject)));
		return receiver.accepted()
			.stream()
			.filter(r -> r.json().path("subjectId").asString().equals(subject))
			.findFirst()
			.orElseThrow();
	}

	/**
	 * No row of any table holds the secret as text, its base64 part, or its key bytes or text as bytea (which a row's
	 * text shows as hex).
	 */
	private void assertNowhereInTheDatabase(String secret) {
		String encoded = secret.substring(Signatures.PREFIX.length());
		byte[] key = Base64.getDecoder().decode(encoded);
		var needles = new LinkedHashSet<String>(List.of(encoded, HexFormat.of().formatHex(key),
				HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)),
				HexFormat.of().formatHex(encoded.getBytes(StandardCharsets.UTF_8))));
		List<String> tables = jdbc.sql("""
				SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
				WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
				""").query(String.class).list();
		assertThat(tables).contains("public.webhook_endpoint");
		for (String table : tables) {
			for (String needle : needles) {
				assertThat(jdbc.sql("SELECT count(*) FROM " + table + " t WHERE strpos(lower(t::text), lower(:needle)) > 0")
					.param("needle", needle)
					.query(Long.class)
					.single()).as("rows of %s holding %s", table, needle).isZero();
			}
		}
	}
}
