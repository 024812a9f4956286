package dev.subdesk.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.DelegatingGateway;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * DESIGN invariant 11 for the sale's evidence: what the buyer accepted, how, when and from where is committed before
 * the gateway is asked for the money, so a crash or a failed record between the charge and the subscription loses
 * none of it. The consent export lists only the consents of completed sales.
 */
@Import(ConsentEvidenceBeforeTheChargeIntegrationTests.WitnessGateway.class)
class ConsentEvidenceBeforeTheChargeIntegrationTests extends ApiIntegrationTest {

	private static final String IP = "198.51.100.41";

	private static final String AGENT = "Mozilla/5.0 (evidence test)";

	/** A consent row as another connection sees it: only what was committed. */
	record Evidence(String id, String method, String channel, @Nullable String ipAddress, @Nullable String userAgent,
			Instant acceptedAt, String textSha256) {
	}

	/**
	 * The sandbox, except that at a purchase's charge it reads, on a connection of its own, the committed consent
	 * rows of the disclosure the test names: the state a crash at that instant would leave. Then it runs
	 * {@code meanwhile} (what happens while the gateway has the payment).
	 */
	@Primary
	static final class WitnessGateway extends DelegatingGateway {

		@Autowired
		JdbcClient jdbc;

		final AtomicReference<@Nullable String> disclosure = new AtomicReference<>();

		final AtomicReference<@Nullable List<Evidence>> seen = new AtomicReference<>();

		final AtomicReference<@Nullable Runnable> meanwhile = new AtomicReference<>();

		@Override
		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
			String watched = disclosure.getAndSet(null);
			if (idempotencyKey.startsWith("purchase_") && watched != null) {
				seen.set(jdbc.sql("""
						SELECT id, method, channel, ip_address, user_agent, accepted_at, text_sha256
						FROM consents WHERE disclosure_id = :d""")
					.param("d", watched)
					.query((rs, n) -> new Evidence(rs.getString("id"), rs.getString("method"), rs.getString("channel"),
							rs.getString("ip_address"), rs.getString("user_agent"),
							rs.getTimestamp("accepted_at").toInstant(), rs.getString("text_sha256")))
					.list());
				Runnable during = meanwhile.getAndSet(null);
				if (during != null) {
					during.run();
				}
			}
			return super.charge(token, amount, idempotencyKey);
		}
	}

	@Autowired
	WitnessGateway gateway;

	@Autowired
	JdbcClient jdbc;

	@AfterEach
	void unhook() {
		gateway.disclosure.set(null);
		gateway.meanwhile.set(null);
		gateway.seen.set(null);
	}

	private Map<String, Object> consent(String disclosure) {
		return Map.of("disclosureId", disclosure, "method", "CHECKBOX", "ipAddress", IP, "userAgent", AGENT);
	}

	private String sha(String disclosure) {
		return jdbc.sql("SELECT text_sha256 FROM disclosures WHERE id = :id").param("id", disclosure)
			.query(String.class).single();
	}

	@Test
	void theAcceptanceIsCommittedWithMethodChannelAddressAndAgentBeforeTheCardIsCharged() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String disclosure = fixtures.disclosure(account, "antivirus-annual", null);
		gateway.disclosure.set(disclosure);

		Api.Response bought = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "consent", consent(disclosure)));

		assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
		List<Evidence> atTheCharge = gateway.seen.get();
		assertThat(atTheCharge).as("the gateway was asked for the money").isNotNull();
		assertThat(atTheCharge).as("the acceptance's evidence, committed when the card was charged").hasSize(1);
		Evidence evidence = atTheCharge.getFirst();
		assertThat(evidence.method()).isEqualTo("CHECKBOX");
		assertThat(evidence.channel()).isEqualTo("API");
		assertThat(evidence.ipAddress()).isEqualTo(IP);
		assertThat(evidence.userAgent()).isEqualTo(AGENT);
		assertThat(evidence.textSha256()).isEqualTo(sha(disclosure));

		Api.Response consents = api.get("/subscriptions/" + bought.id() + "/consents");
		assertThat(consents.json().path("data").size()).as(consents.toString()).isEqualTo(1);
		var shown = consents.json().path("data").get(0);
		assertThat(shown.path("id").asString()).as("the sale links the record written before the charge")
			.isEqualTo(evidence.id());
		assertThat(Instant.parse(shown.path("acceptedAt").asString())).isEqualTo(evidence.acceptedAt())
			.isEqualTo(Instant.parse(bought.text("createdAt")));
		assertThat(shown.path("method").asString()).isEqualTo("CHECKBOX");
		assertThat(shown.path("textSha256").asString()).isEqualTo(sha(disclosure));
	}

	@Autowired
	javax.sql.DataSource dataSource;

	/**
	 * A closure under way when the acceptance is written (its transaction holds the account's row, as
	 * AccountClosures does, and erases the client address and agent of the account's consents before it commits): the
	 * acceptance waits for it and the purchase is refused as the account's; no address or agent is left behind. Found
	 * by a review: the acceptance's insert only waited on its foreign key and went in after the closure's erasure.
	 */
	@Test
	void aClosureUnderWayIsWaitedForAndLeavesNoAddressOrAgentBehind() throws Exception {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String disclosure = fixtures.disclosure(account, "antivirus-annual", null);
		java.util.concurrent.ExecutorService buyer = java.util.concurrent.Executors.newSingleThreadExecutor();
		java.util.concurrent.Future<Api.Response> buying;
		try (java.sql.Connection closure = dataSource.getConnection()) {
			closure.setAutoCommit(false);
			try (java.sql.PreparedStatement lock = closure.prepareStatement(
					"SELECT id FROM accounts WHERE id = ? FOR UPDATE")) {
				lock.setString(1, account);
				lock.executeQuery().close();
			}
			buying = buyer.submit(() -> api.post("/subscriptions",
					Map.of("accountId", account, "planCode", "antivirus-annual", "consent", consent(disclosure))));
			org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
				.until(() -> buying.isDone() || jdbc.sql("""
						SELECT count(*) FROM pg_stat_activity
						WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()
						""").query(Long.class).single() > 0);
			try (java.sql.PreparedStatement close = closure.prepareStatement(
					"UPDATE accounts SET status = 'CLOSED', closed_at = now() WHERE id = ?");
					java.sql.PreparedStatement erase = closure.prepareStatement(
							"UPDATE consents SET ip_address = NULL, user_agent = NULL WHERE account_id = ?")) {
				close.setString(1, account);
				assertThat(close.executeUpdate()).isEqualTo(1);
				erase.setString(1, account);
				erase.executeUpdate();
			}
			closure.commit();
		}
		finally {
			buyer.shutdown();
		}
		Api.Response refused = buying.get(30, java.util.concurrent.TimeUnit.SECONDS);
		assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
		assertThat(refused.code()).isEqualTo("ACCOUNT_CLOSED");
		assertThat(jdbc.sql("""
				SELECT count(*) FROM consents WHERE account_id = :a AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)
				""").param("a", account).query(Long.class).single()).as("an address or agent left after the closure")
			.isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM purchase_attempts WHERE account_id = :a").param("a", account)
			.query(Long.class).single()).as("nothing charged").isZero();
	}

	@Test
	void aSaleThatFailsAfterTheChargeKeepsTheEvidenceOfTheAcceptanceMarkedNotCompletedAndOutOfTheExport() {
		String plan = fixtures.plan("evidence-retired", "P1Y", 5999);
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		String disclosure = fixtures.disclosure(account, plan, null);
		gateway.disclosure.set(disclosure);
		// the plan is taken off sale while the gateway has the payment: the subscription is not recorded
		gateway.meanwhile.set(() -> assertThat(api.post("/plans/" + plan + "/retire", Map.of()).status()).isEqualTo(200));

		Api.Response refused = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", plan, "consent", consent(disclosure)));

		assertThat(refused.status()).as(refused.toString()).isBetween(400, 599);
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isZero();
		assertThat(gateway.seen.get()).as("the evidence was committed at the charge").hasSize(1);
		String key = jdbc.sql("SELECT gateway_key FROM purchase_attempts WHERE account_id = :a")
			.param("a", account).query(String.class).single();
		assertThat(jdbc.sql("SELECT count(*) FROM sandbox_gateway_payments WHERE idempotency_key = :k")
			.param("k", "reverse_" + key).query(Long.class).single()).as("the money went back").isEqualTo(1);

		Map<String, Object> kept = jdbc.sql("""
				SELECT method, channel, ip_address, user_agent, text_sha256, subscription_id, status
				FROM consents WHERE disclosure_id = :d""").param("d", disclosure).query().singleRow();
		assertThat(kept).as("the evidence of what was accepted stays, marked as selling nothing")
			.containsEntry("method", "CHECKBOX")
			.containsEntry("channel", "API")
			.containsEntry("ip_address", IP)
			.containsEntry("user_agent", AGENT)
			.containsEntry("text_sha256", sha(disclosure))
			.containsEntry("subscription_id", null)
			.containsEntry("status", "ABANDONED");
		Api.Response export = api.get("/accounts/" + account + "/consents");
		assertThat(export.status()).isEqualTo(200);
		assertThat(export.json().path("data").size()).as("the consent export lists completed sales only").isZero();
	}
}
