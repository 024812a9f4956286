package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The withdrawal at its edges: the page says exactly what will happen before the customer confirms (what is left
 * to refund after an earlier partial refund, the add-ons and devices that end), and two tabs confirming at once
 * make one withdrawal and one refund.
 */
@SubdeskIntegrationTest
class PortalWithdrawalEdgesIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Test
	void afterAPartialRefundThePageStatesWhatIsLeftAndTheAddOnsAndDevicesThatEndAndThatIsWhatHappens() {
		Customer c = customerWith("antivirus-annual");
		String addOn = fixtures.addOn(c.account(), "identity-addon-annual", c.subscription());
		api.post("/accounts/" + c.account() + "/devices",
				Map.of("name", "Kitchen laptop", "platform", "LINUX", "subscriptionId", c.subscription()));
		String baseCharge = charges(c.account()).stream()
			.filter(ch -> c.subscription().equals(ch.path("subscriptionId").asString()))
			.findFirst().orElseThrow().path("id").asString();
		assertThat(api.post("/charges/" + baseCharge + "/refunds", Map.of("amount", 1000, "reason", "Goodwill")).status())
			.isEqualTo(201);
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		String page = session.get("/portal/subscriptions/" + c.subscription() + "/withdraw").body();

		// 5999 - 1000 left of the base, 2999 of the add-on
		assertThat(page).contains("$79.98").contains("has not been refunded yet").contains("Identity Guard add-on, yearly")
			.contains("Kitchen laptop (LINUX)");
		PortalSession.Page done = session.post("/portal/subscriptions/" + c.subscription() + "/withdraw",
				Map.of("name", "Ann", "email", c.email()));
		assertThat(done.location()).contains("/portal/withdrawals/WDR-");
		assertThat(charges(c.account())).allSatisfy(ch -> assertThat(ch.path("refundedAmount").asLong())
			.isEqualTo(ch.path("amount").asLong()));
		assertThat(session.get(done.location().substring(done.location().indexOf("/portal/"))).body()).contains("$79.98");
		assertThat(fixtures.subscription(addOn).text("status")).isEqualTo("CANCELLED");
	}

	@Test
	void twoTabsConfirmingAtOnceMakeOneWithdrawalAndOneRefund() throws Exception {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		session.get("/portal/subscriptions/" + c.subscription() + "/withdraw");

		List<PortalSession.Page> pages = atOnce(() -> session.post("/portal/subscriptions/" + c.subscription() + "/withdraw",
				Map.of("name", "Ann", "email", c.email())));

		assertThat(pages).extracting(PortalSession.Page::status).containsOnly(302);
		assertThat(pages.get(0).location()).contains("/portal/withdrawals/WDR-").isEqualTo(pages.get(1).location());
		assertOneWithdrawalAndOneRefund(c, 1);
	}

	@Test
	void thePublicFormSentTwiceAtOnceMakesOneWithdrawalAndOneRefund() throws Exception {
		Customer c = customerWith("antivirus-annual");
		PortalSession first = new PortalSession(port);
		PortalSession second = new PortalSession(port);
		first.get("/withdraw");
		second.get("/withdraw");
		Map<String, String> form = PortalWithdrawalIntegrationTests.form("Ann", c.email(), c.orderNumber());
		java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();

		List<PortalSession.Page> pages = atOnce(() -> (turn.getAndIncrement() == 0 ? first : second).post("/withdraw", form));

		assertThat(pages).extracting(PortalSession.Page::status).containsOnly(302);
		assertOneWithdrawalAndOneRefund(c, 2); // each form sent is acknowledged
		assertThat(noticeTypes(c.account())).doesNotContain("CASE_UPDATE");
	}

	private void assertOneWithdrawalAndOneRefund(Customer c, int acknowledgements) {
		assertThat(jdbc.sql("SELECT count(*) FROM withdrawals WHERE subscription_id = :s").param("s", c.subscription())
			.query(Long.class).single()).isEqualTo(1);
		assertThat(jdbc.sql("SELECT count(*) FROM refunds r JOIN charges ch ON ch.id = r.charge_id WHERE ch.account_id = :a")
			.param("a", c.account()).query(Long.class).single()).isEqualTo(1);
		assertThat(charges(c.account()).get(0).path("refundedAmount").asLong()).isEqualTo(5999);
		assertThat(noticeTypes(c.account()).stream().filter("WITHDRAWAL_ACKNOWLEDGEMENT"::equals)).hasSize(acknowledgements);
		assertThat(noticeTypes(c.account()).stream().filter("REFUND_ISSUED"::equals)).hasSize(1);
	}

	/** Sends the request twice at the same moment, as two tabs would. */
	static List<PortalSession.Page> atOnce(Supplier<PortalSession.Page> request) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(2);
			Supplier<PortalSession.Page> together = () -> {
				ready.countDown();
				try {
					ready.await();
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
				return request.get();
			};
			CompletableFuture<PortalSession.Page> one = CompletableFuture.supplyAsync(together, pool);
			CompletableFuture<PortalSession.Page> two = CompletableFuture.supplyAsync(together, pool);
			return List.of(one.get(), two.get());
		}
		finally {
			pool.shutdownNow();
		}
	}

	private List<JsonNode> charges(String account) {
		return api.get("/accounts/" + account + "/charges?limit=50").json().path("data").values().stream().toList();
	}
}
