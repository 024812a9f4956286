package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.payments.CardDetails;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.DelegatingGateway;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * DESIGN invariant 11: adding a card asks the gateway to describe its token before any transaction, so the account's
 * row is not held (nor a pooled connection pinned) while a slow gateway answers; cancellations, declines, public forms
 * and disputes that lock the account do not queue behind it. A closure that lands while the gateway describes the
 * card still wins: the card is refused with {@code 409 ACCOUNT_CLOSED} and nothing is added.
 */
@Import(CardAdditionHoldsNoLockWhileTheGatewayDescribesIntegrationTests.HeldGateway.class)
class CardAdditionHoldsNoLockWhileTheGatewayDescribesIntegrationTests extends ApiIntegrationTest {

	@Autowired
	HeldGateway gateway;

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	private final ExecutorService caller = Executors.newFixedThreadPool(2);

	@AfterEach
	void stopCaller() throws InterruptedException {
		gateway.release();
		caller.shutdownNow();
		caller.awaitTermination(30, TimeUnit.SECONDS);
	}

	/** The sandbox, except that describing {@code tok_mastercard} waits, once held, until the test releases it. */
	@Primary
	static final class HeldGateway extends DelegatingGateway {

		private volatile @Nullable CountDownLatch held;

		volatile CountDownLatch entered = new CountDownLatch(1);

		void hold() {
			entered = new CountDownLatch(1);
			held = new CountDownLatch(1);
		}

		void release() {
			CountDownLatch latch = held;
			if (latch != null) {
				latch.countDown();
			}
		}

		@Override
		public Optional<CardDetails> describe(String token) {
			CountDownLatch latch = held;
			if (latch != null && "tok_mastercard".equals(token)) {
				entered.countDown();
				try {
					latch.await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}
			return super.describe(token);
		}
	}

	private CompletableFuture<Api.Response> addCardHeldAtTheGateway(String account) throws InterruptedException {
		gateway.hold();
		CompletableFuture<Api.Response> added = CompletableFuture.supplyAsync(
				() -> api.post("/accounts/" + account + "/payment-methods", Map.of("token", "tok_mastercard")), caller);
		assertThat(gateway.entered.await(30, TimeUnit.SECONDS)).as("the gateway is asked to describe the card").isTrue();
		return added;
	}

	private long cards(String account) {
		return jdbc.sql("SELECT count(*) FROM payment_methods WHERE account_id = :a AND deleted_at IS NULL")
			.param("a", account).query(Long.class).single();
	}

	@Test
	void theAccountRowIsFreeWhileTheGatewayDescribesTheCard() throws Exception {
		String account = fixtures.accountWithVisa();
		CompletableFuture<Api.Response> added = addCardHeldAtTheGateway(account);

		try (Connection other = dataSource.getConnection()) {
			other.setAutoCommit(false);
			try (PreparedStatement lock = other.prepareStatement("SELECT id FROM accounts WHERE id = ? FOR UPDATE NOWAIT")) {
				lock.setString(1, account);
				lock.executeQuery().close();
			}
			catch (SQLException e) {
				throw new AssertionError("the card being added holds the account's row while the gateway answers: "
						+ e.getMessage(), e);
			}
			finally {
				other.rollback();
			}
		}
		assertThat(added).as("still with the gateway").isNotDone();

		gateway.release();
		Api.Response answer = added.get(30, TimeUnit.SECONDS);
		assertThat(answer.status()).as(answer.raw()).isEqualTo(201);
		assertThat(answer.text("last4")).isEqualTo("4444");
		assertThat(answer.json().path("isDefault").asBoolean()).as("the visa came first").isFalse();
		assertThat(cards(account)).isEqualTo(2);
	}

	@Test
	void anAccountClosedWhileTheGatewayDescribesTheCardGetsNoCard() throws Exception {
		String account = fixtures.account();
		CompletableFuture<Api.Response> added = addCardHeldAtTheGateway(account);

		CompletableFuture<Api.Response> closing = CompletableFuture.supplyAsync(
				() -> api.post("/accounts/" + account + "/close"), caller);
		await("the closure, which locks the account, does not wait for the gateway").atMost(Duration.ofSeconds(30))
			.until(closing::isDone);
		Api.Response closed = closing.get();
		assertThat(closed.status()).as(closed.raw()).isEqualTo(200);
		assertThat(added).as("still with the gateway").isNotDone();

		gateway.release();
		Api.Response answer = added.get(30, TimeUnit.SECONDS);
		assertThat(answer.status()).as(answer.raw()).isEqualTo(409);
		assertThat(answer.code()).isEqualTo("ACCOUNT_CLOSED");
		assertThat(cards(account)).isZero();
	}
}
