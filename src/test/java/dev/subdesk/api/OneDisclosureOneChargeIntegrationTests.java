package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.checkout.ConsentMethod;
import dev.subdesk.checkout.ConsentChannel;
import dev.subdesk.checkout.ConsentRequest;
import dev.subdesk.checkout.Consents;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A disclosure backs one purchase, and a second purchase with it (a second click on the hosted checkout, a retried
 * call without an idempotency key) is refused before its card is charged: the buyer never sees a charge given back.
 */
class OneDisclosureOneChargeIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Consents consents;

	@Autowired
	TransactionTemplate tx;

	@Autowired
	JdbcClient jdbc;

	@Test
	void purchasesSentTogetherWithOneDisclosureChargeTheCardOnce() throws Exception {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		Map<String, Object> consent = fixtures.consent(account, "antivirus-annual", null);
		int clicks = 8;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(clicks);
		List<Future<Api.Response>> answers = new ArrayList<>();
		try {
			for (int i = 0; i < clicks; i++) {
				answers.add(pool.submit(() -> {
					start.await();
					return api.post("/subscriptions",
							Map.of("accountId", account, "planCode", "antivirus-annual", "consent", consent));
				}));
			}
			start.countDown();
			List<Integer> statuses = new ArrayList<>();
			for (Future<Api.Response> answer : answers) {
				statuses.add(answer.get().status());
			}
			assertThat(statuses).as("one purchase, every other refused").containsOnly(201, 400).containsOnlyOnce(201);
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(attempts(account)).as("the card was charged once, nothing given back").containsExactly("COMPLETED");
		assertThat(api.get("/accounts/" + account + "/subscriptions").json().path("data").size()).isEqualTo(1);
	}

	@Test
	void whileAPurchaseHoldsTheDisclosureAnotherIsRefusedUnchargedAndOneThatMadeNothingLetsItGo() {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, "tok_visa");
		Map<String, Object> consent = fixtures.consent(account, "antivirus-annual", null);
		ConsentRequest held = new ConsentRequest((String) consent.get("disclosureId"), ConsentMethod.BUTTON,
				ConsentChannel.API, null, null, null);
		tx.executeWithoutResult(status -> consents.claim(held, "sub_first_click"));

		Api.Response refused = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "consent", consent));
		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.json().toString()).contains("consent").contains("under way");
		assertThat(attempts(account)).as("nothing charged").isEmpty();
		assertThat(consents.underWay(held.disclosureId())).isTrue();

		consents.release(held, "sub_first_click"); // the first click's purchase made nothing
		String declinedCard = fixtures.card(account, "tok_chargeDeclined");
		Api.Response declined = api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual",
				"paymentMethodId", declinedCard, "consent", consent));
		assertThat(declined.status()).isEqualTo(402);
		Api.Response bought = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "consent", consent));
		assertThat(bought.status()).as("a declined purchase lets go of the disclosure too").isEqualTo(201);
		assertThat(consents.underWay(held.disclosureId())).isFalse();
		assertThat(api.post("/subscriptions", Map.of("accountId", account, "planCode", "antivirus-annual", "consent",
				consent)).status()).as("and once it bought, it backs nothing else").isEqualTo(400);
		assertThat(attempts(account)).containsExactlyInAnyOrder("DECLINED", "COMPLETED");
	}

	private List<String> attempts(String account) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE account_id = :a").param("a", account)
			.query(String.class).list();
	}
}
