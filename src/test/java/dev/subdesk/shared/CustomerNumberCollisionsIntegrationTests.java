package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.cancellation.WithdrawalRequest;
import dev.subdesk.cancellation.Withdrawals;
import dev.subdesk.support.Support;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A new confirmation number, withdrawal reference, order number or case number that happens to be one already
 * issued is drawn again: the request succeeds with another number instead of failing on the database's
 * uniqueness. The collision is made certain by replaying the same seeded numbers for two requests: the second
 * request's first draw is the number the first request took.
 */
class CustomerNumberCollisionsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Withdrawals withdrawals;

	@Autowired
	Support support;

	@Autowired
	Accounts accounts;

	private final long seed = ThreadLocalRandom.current().nextLong();

	@AfterEach
	void backToSecureNumbers() {
		Ids.drawNumbersFrom(null);
	}

	@Test
	void aCancellationWhoseFirstConfirmationNumberIsTakenGetsAnotherOne() {
		String first = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");
		String second = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");

		Api.Response taken = replaying(() -> fixtures.cancel(first, "END_OF_TERM"));
		Api.Response again = replaying(() -> fixtures.cancel(second, "END_OF_TERM"));

		assertThat(taken.text("confirmationNumber")).isEqualTo(firstDraw(Ids::confirmationNumber));
		assertThat(again.status()).as(again.toString()).isEqualTo(taken.status());
		assertThat(again.text("confirmationNumber")).matches("CXL-[0-9A-Z]{4}-[0-9A-Z]{4}")
			.isNotEqualTo(taken.text("confirmationNumber"));
		assertThat(fixtures.subscription(second).text("status")).isEqualTo("ACTIVE");
		assertThat(api.get("/cancellations/" + again.text("confirmationNumber")).status()).isEqualTo(200);
	}

	@Test
	void anImmediateCancellationWithARefundWhoseFirstConfirmationNumberIsTakenGetsAnotherOne() {
		String first = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");
		String second = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");

		Api.Response taken = replaying(() -> fixtures.cancel(first, "IMMEDIATE"));
		Api.Response again = replaying(() -> fixtures.cancel(second, "IMMEDIATE"));

		assertThat(again.status()).as(again.toString()).isEqualTo(taken.status());
		assertThat(again.text("confirmationNumber")).isNotEqualTo(taken.text("confirmationNumber"));
		assertThat(fixtures.subscription(second).text("status")).isEqualTo("CANCELLED");
	}

	/**
	 * The same first draw in two requests at once: the second insert of the number waits for the first one's
	 * transaction and, once it has committed, finds the number taken and draws again (the server's request threads
	 * each replay the seed from its start, so two threads drawing at once draw the same number).
	 */
	@Test
	void twoCancellationsAtOnceWhoseFirstNumbersAreTheSameEachGetOneOfTheirOwn() throws Exception {
		String first = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");
		String second = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");
		List<Api.Response> answers;
		Ids.drawNumbersFrom(new PerThread(seed));
		try (ExecutorService clients = Executors.newFixedThreadPool(2)) {
			CyclicBarrier together = new CyclicBarrier(2);
			List<Future<Api.Response>> sent = new ArrayList<>();
			for (String subscription : List.of(first, second)) {
				sent.add(clients.submit(() -> {
					together.await(10, TimeUnit.SECONDS);
					return fixtures.cancel(subscription, "IMMEDIATE");
				}));
			}
			answers = new ArrayList<>();
			for (Future<Api.Response> answer : sent) {
				answers.add(answer.get(60, TimeUnit.SECONDS));
			}
		}
		finally {
			Ids.drawNumbersFrom(null);
		}

		assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.toString()).isEqualTo(200));
		assertThat(answers.get(0).text("confirmationNumber")).isNotEqualTo(answers.get(1).text("confirmationNumber"));
		assertThat(answers).map(a -> a.text("confirmationNumber")).contains(firstDraw(Ids::confirmationNumber));
		for (int i = 0; i < 2; i++) {
			Api.Response stored = api.get("/cancellations/" + answers.get(i).text("confirmationNumber"));
			assertThat(stored.status()).isEqualTo(200);
			assertThat(stored.json().path("subscriptionIds").get(0).asString()).isEqualTo(List.of(first, second).get(i));
		}
	}

	/** Replays a seed from its start on each thread that draws from it. */
	private static final class PerThread implements RandomGenerator {

		private final ThreadLocal<Random> own;

		PerThread(long seed) {
			this.own = ThreadLocal.withInitial(() -> new Random(seed));
		}

		@Override
		public long nextLong() {
			return own.get().nextLong();
		}

		@Override
		public void nextBytes(byte[] bytes) {
			own.get().nextBytes(bytes);
		}
	}

	@Test
	void aWithdrawalWhoseFirstReferenceIsTakenGetsAnotherOne() {
		String first = fixtures.subscribe(euAccountWithVisa(), "vpn-annual");
		String second = fixtures.subscribe(euAccountWithVisa(), "vpn-annual");

		String taken = replaying(() -> withdraw(first));
		String again = replaying(() -> withdraw(second));

		assertThat(taken).isEqualTo(firstDraw(Ids::withdrawalNumber));
		assertThat(again).matches("WDR-[0-9A-Z]{4}-[0-9A-Z]{4}").isNotEqualTo(taken);
		assertThat(withdrawals.find(again).orElseThrow().subscriptionId()).isEqualTo(second);
	}

	@Test
	void anOrderWhoseFirstNumberIsTakenGetsAnotherOne() {
		String first = fixtures.accountWithVisa();
		String second = fixtures.accountWithVisa();

		Api.Response taken = replaying(() -> fixtures.buy(first, "vpn-annual"));
		Api.Response again = replaying(() -> fixtures.buy(second, "vpn-annual"));

		assertThat(taken.text("orderNumber")).isEqualTo(firstDraw(Ids::orderNumber));
		assertThat(again.status()).as(again.toString()).isEqualTo(201);
		assertThat(again.text("orderNumber")).isNotEqualTo(taken.text("orderNumber"));
	}

	@Test
	void aCaseWhoseFirstNumberIsTakenGetsAnotherOne() {
		String first = fixtures.accountWithVisa();
		String second = fixtures.accountWithVisa();

		String taken = replaying(() -> support.open(accounts.get(first), "Question", "PHONE", null, null).caseNumber());
		String again = replaying(() -> support.open(accounts.get(second), "Question", "PHONE", null, null).caseNumber());

		assertThat(taken).isEqualTo(firstDraw(Ids::caseNumber));
		assertThat(again).isNotEqualTo(taken);
		assertThat(support.find(again).orElseThrow().accountId()).isEqualTo(second);
	}

	@Test
	void aNumberIsDrawnAFewTimesAtMostBeforeGivingUp() {
		int[] draws = { 0 };

		assertThat(Ids.claim(() -> "N" + ++draws[0], number -> number.equals("N3"))).isEqualTo("N3");
		assertThatIllegalStateException().isThrownBy(() -> Ids.claim(() -> "N" + ++draws[0], number -> false));
		assertThat(draws[0]).isEqualTo(3 + Ids.DRAWS);
	}

	/** Runs {@code action} with the customer-facing numbers drawn from this test's seed, from its start. */
	private <T> T replaying(Supplier<T> action) {
		Ids.drawNumbersFrom(new Random(seed));
		try {
			return action.get();
		}
		finally {
			Ids.drawNumbersFrom(null);
		}
	}

	/** The first number the seed gives. */
	private String firstDraw(Supplier<String> kind) {
		return replaying(kind);
	}

	private String euAccountWithVisa() {
		String account = fixtures.account("IE", null);
		fixtures.card(account, "tok_visa");
		return account;
	}

	private String withdraw(String subscription) {
		String account = fixtures.subscription(subscription).text("accountId");
		return withdrawals.withdraw(subscription, new WithdrawalRequest("Test Customer",
				api.get("/accounts/" + account).text("email"), CancellationChannel.PORTAL, "customer")).referenceNumber();
	}
}
