package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.Money;
import dev.subdesk.subscriptions.RenewalQueue;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.DelegatingGateway;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * R-US-3, R-CARD-4: after a confirmed cancellation no further scheduled charge is attempted. A renewal run claims a
 * batch and sends it to the gateway chunk by chunk; a subscription of the batch cancelled while an earlier chunk is
 * with the gateway is not sent at all (so there is nothing to give back), its cancellation answered and confirmed as
 * always, and neither the sweep nor a later run sends its attempt afterwards. One worker and chunks of one request,
 * so that the batch holds both subscriptions and each goes to the gateway on its own.
 */
@Import(NoRenewalSentAfterAConfirmedCancellationIntegrationTests.HeldGateway.class)
@TestPropertySource(properties = { "subdesk.renewals.workers=1", "subdesk.renewals.send-chunk=1" })
class NoRenewalSentAfterAConfirmedCancellationIntegrationTests extends ApiIntegrationTest {

	@Autowired
	HeldGateway gateway;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	RenewalQueue queue;

	@Autowired
	Subscriptions subscriptionRows;

	@Autowired
	javax.sql.DataSource dataSource;

	@Autowired
	org.springframework.transaction.PlatformTransactionManager transactions;

	/**
	 * The sandbox, except that the first renewal request of a chosen subscription waits at the gateway until the test
	 * releases it, as a slow gateway keeps a request; every request is noted.
	 */
	@Primary
	static final class HeldGateway extends DelegatingGateway {

		final List<String> requested = new CopyOnWriteArrayList<>();
		volatile Set<String> holding = Set.of();
		volatile @Nullable String held;
		volatile CountDownLatch arrived = new CountDownLatch(1);
		volatile CountDownLatch release = new CountDownLatch(1);

		@Override
		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
			return chargeAll(List.of(new ChargeRequest(token, amount, idempotencyKey))).getFirst();
		}

		/** The renewal call (1 the first) that fails before it reaches the sandbox, as a gateway down a moment; 0: none. */
		volatile int failingCall;
		final java.util.concurrent.atomic.AtomicInteger renewalCalls = new java.util.concurrent.atomic.AtomicInteger();

		@Override
		public List<PaymentResult> chargeAll(List<ChargeRequest> requests) {
			if (requests.stream().anyMatch(r -> r.idempotencyKey().startsWith("renewal_"))
					&& renewalCalls.incrementAndGet() == failingCall) {
				throw new IllegalStateException("the gateway cannot be reached");
			}
			for (ChargeRequest r : requests) {
				requested.add(r.idempotencyKey());
				if (held == null) {
					for (String sub : holding) {
						if (r.idempotencyKey().startsWith("renewal_" + sub + "_")) {
							held = sub;
							arrived.countDown();
							try {
								release.await(60, TimeUnit.SECONDS);
							}
							catch (InterruptedException e) {
								Thread.currentThread().interrupt();
							}
						}
					}
				}
			}
			return super.chargeAll(requests);
		}
	}

	/** The subscriptions of a test: ended after it, so that none a failed test leaves due joins the next one's batch. */
	private final List<String> subscriptions = new java.util.ArrayList<>();

	@org.junit.jupiter.api.AfterEach
	void endTheSubscriptionsLeftDue() {
		gateway.failingCall = 0;
		gateway.holding = Set.of();
		gateway.release.countDown();
		for (String sub : subscriptions) {
			jdbc.sql("UPDATE subscriptions SET auto_renew = false, next_attempt_at = NULL WHERE id = :id")
				.param("id", sub).update();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "END_OF_TERM", "IMMEDIATE" })
	void aSubscriptionCancelledWhileItsBatchIsAtTheGatewayIsNeverSent(String mode) throws Exception {
		String account = fixtures.accountWithVisa();
		String a = fixtures.subscribe(account, "antivirus-monthly");
		String b = fixtures.subscribe(account, "antivirus-monthly");
		subscriptions.add(a);
		subscriptions.add(b);
		Instant periodEnd = Instant.parse(fixtures.subscription(a).text("currentPeriodEnd"));
		Instant secondEnd = Instant.parse(fixtures.subscription(b).text("currentPeriodEnd"));
		// both due at one instant, so that one claim takes them (the test clock moves on while they are bought)
		jdbc.sql("UPDATE subscriptions SET next_attempt_at = :t WHERE id = :b")
			.param("t", java.sql.Timestamp.from(periodEnd)).param("b", b).update();
		gateway.requested.clear();
		gateway.held = null;
		gateway.arrived = new CountDownLatch(1);
		gateway.release = new CountDownLatch(1);
		gateway.holding = Set.of(a, b);

		CompletableFuture<Void> run = CompletableFuture
			.runAsync(() -> fixtures.advance(Duration.between(fixtures.now(), periodEnd).plusMinutes(1)));
		Api.Response cancel;
		String first;
		String second;
		try {
			assertThat(gateway.arrived.await(60, TimeUnit.SECONDS)).as("the batch reaches the gateway").isTrue();
			first = java.util.Objects.requireNonNull(gateway.held);
			second = first.equals(a) ? b : a;
			// the engine claimed both (their claim committed) and has sent the first: the customer cancels the second
			cancel = fixtures.cancel(second, mode);
		}
		finally {
			gateway.release.countDown();
		}
		run.get(60, TimeUnit.SECONDS);

		assertThat(cancel.status()).as(cancel.toString()).isEqualTo(200);
		assertThat(cancel.text("confirmationNumber")).as("the cancellation is confirmed as always").isNotBlank();
		org.awaitility.Awaitility.await("the cancellation's confirmation notice").atMost(Duration.ofSeconds(30))
			.until(() -> fixtures.notices(account, "CANCELLATION_CONFIRMATION").size() == 1);
		assertThat(fixtures.subscription(second).json().path("autoRenew").asBoolean()).isFalse();

		String firstKey = "renewal_" + first + "_p1_a0";
		String secondKey = "renewal_" + second + "_p1_a0";
		assertThat(ledger(firstKey)).as("the first is renewed").containsExactly("succeeded");
		assertThat(fixtures.subscription(first).text("currentPeriodStart"))
			.isEqualTo((first.equals(a) ? periodEnd : secondEnd).toString());
		assertThat(gateway.requested).as("nothing is sent for the cancelled subscription after its confirmation")
			.noneMatch(k -> k.startsWith("renewal_" + second + "_"));
		assertThat(ledgerLike("renewal_" + second + "_%")).as("no payment at the gateway").isEmpty();
		assertThat(ledgerLike("reverse_renewal_" + second + "_%")).as("so nothing to give back").isEmpty();

		// a crash and restart, or just time passing: the sweep of pending money records and later runs
		fixtures.advance(Duration.ofMinutes(10));
		assertThat(gateway.requested).as("neither the sweep nor a later run sends it")
			.noneMatch(k -> k.startsWith("renewal_" + second + "_"));
		assertThat(ledgerLike("renewal_" + second + "_%")).isEmpty();
		assertThat(ledgerLike("reverse_renewal_" + second + "_%")).isEmpty();
		assertThat(jdbc.sql("SELECT status FROM purchase_attempts WHERE gateway_key = :k").param("k", secondKey)
			.query(String.class).optional()).as("the attempt took nothing").hasValueSatisfying(
					status -> assertThat(status).isIn("PENDING", "VOID"));
		assertThat(jdbc.sql("SELECT count(*) FROM charges WHERE subscription_id = :s AND period_start = :p")
			.param("s", second).param("p", java.sql.Timestamp.from(second.equals(a) ? periodEnd : secondEnd))
			.query(Long.class).single())
			.as("no charge for the period after the cancellation").isZero();
	}

	/**
	 * A chunk whose call fails (the gateway unreachable a moment) does not lose the answers of the chunks sent before
	 * it: they are recorded in this run (not sent again by the next); the failed chunk's attempts stay recorded for the
	 * sweep and a later run, which renews them.
	 */
	@org.junit.jupiter.api.Test
	void aChunkThatFailsKeepsTheAnswersOfTheChunksBeforeIt() {
		String account = fixtures.accountWithVisa();
		String a = fixtures.subscribe(account, "antivirus-monthly");
		String b = fixtures.subscribe(account, "antivirus-monthly");
		subscriptions.add(a);
		subscriptions.add(b);
		Instant periodEnd = Instant.parse(fixtures.subscription(a).text("currentPeriodEnd"));
		Instant secondEnd = Instant.parse(fixtures.subscription(b).text("currentPeriodEnd"));
		jdbc.sql("UPDATE subscriptions SET next_attempt_at = :t WHERE id = :b")
			.param("t", java.sql.Timestamp.from(periodEnd)).param("b", b).update();
		gateway.requested.clear();
		gateway.renewalCalls.set(0);
		gateway.failingCall = 2;

		fixtures.advance(Duration.between(fixtures.now(), periodEnd).plusMinutes(1));

		String first = gateway.requested.stream().filter(k -> k.startsWith("renewal_")).findFirst().orElseThrow()
			.substring("renewal_".length(), "renewal_".length() + a.length());
		String second = first.equals(a) ? b : a;
		assertThat(ledger("renewal_" + first + "_p1_a0")).as("the first chunk was charged").containsExactly("succeeded");
		assertThat(fixtures.subscription(first).text("currentPeriodStart")).as("and renewed")
			.isEqualTo((first.equals(a) ? periodEnd : secondEnd).toString());
		assertThat(gateway.requested).as("the first chunk's answer was recorded in the run that sent it, not lost with "
				+ "the failed chunk and sent again by the next run").filteredOn(("renewal_" + first + "_p1_a0")::equals)
			.hasSize(1);

		fixtures.advance(Duration.ofMinutes(10));
		assertThat(fixtures.subscription(second).text("currentPeriodStart")).as("a later run renews the second")
			.isEqualTo((second.equals(a) ? periodEnd : secondEnd).toString());
		assertThat(ledgerLike("reverse_renewal_%" + first + "%")).as("the first's money was never given back").isEmpty();
	}

	/**
	 * The check before a chunk leaves: a subscription whose row another transaction is changing right now is skipped,
	 * not waited for (no deadlock with a cancellation locking its rows, and nothing is sent that it may be stopping);
	 * once the change commits, its newest version decides.
	 */
	@org.junit.jupiter.api.Test
	void aSubscriptionBeingChangedIsNotSentAndOnceChangedItsNewestVersionDecides() throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String other = fixtures.subscribe(account, "antivirus-monthly");
		subscriptions.add(sub);
		subscriptions.add(other);
		List<RenewalQueue.Due> due = java.util.stream.Stream.of(sub, other).map(id -> {
			Subscription s = subscriptionRows.get(id);
			return new RenewalQueue.Due(s, s.currentPeriodEnd(), false, 0);
		}).toList();
		assertThat(queue.stillDueToSend(due)).containsExactlyInAnyOrder(sub, other);
		try (java.sql.Connection changing = dataSource.getConnection()) {
			changing.setAutoCommit(false);
			try (java.sql.PreparedStatement lock = changing
				.prepareStatement("UPDATE subscriptions SET auto_renew = false WHERE id = ?")) {
				lock.setString(1, sub);
				lock.executeUpdate();
			}
			assertThat(queue.stillDueToSend(due)).as("skipped while it is being changed").containsExactly(other);
			changing.rollback();
			assertThat(queue.stillDueToSend(due)).as("due again: the change rolled back")
				.containsExactlyInAnyOrder(sub, other);
			try (java.sql.PreparedStatement lock = changing
				.prepareStatement("UPDATE subscriptions SET auto_renew = false WHERE id = ?")) {
				lock.setString(1, sub);
				lock.executeUpdate();
			}
			changing.commit();
		}
		assertThat(queue.stillDueToSend(due)).as("set to end: not sent").containsExactly(other);
		Throwable inside = new org.springframework.transaction.support.TransactionTemplate(transactions)
			.execute(status -> org.assertj.core.api.Assertions.catchThrowable(() -> queue.stillDueToSend(due)));
		assertThat(inside).as("never inside a transaction, whose locks a gateway call would hold").isInstanceOf(IllegalStateException.class);
	}

	private List<String> ledger(String key) {
		return jdbc.sql("SELECT outcome FROM sandbox_gateway_payments WHERE idempotency_key = :k").param("k", key)
			.query(String.class).list();
	}

	private List<String> ledgerLike(String pattern) {
		return jdbc.sql("SELECT idempotency_key FROM sandbox_gateway_payments WHERE idempotency_key LIKE :p")
			.param("p", pattern).query(String.class).list();
	}
}
