package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.clock.TestClock;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.Money;
import dev.subdesk.testing.DelegatingGateway;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Primary;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A second click on the hosted checkout while the first click's purchase is with the gateway holds no request thread
 * for it: it is answered at once with a page saying the purchase is being completed, which reloads itself and lands,
 * once the first is done, on what the first click got (its thanks page, or its error). Nothing is bought twice, and
 * however many such clicks arrive, the server's threads stay free for the pages that must always answer (the public
 * cancel form).
 */
@SubdeskIntegrationTest
@Import({ CheckoutSecondClickHoldsNoThreadIntegrationTests.HeldGateway.class,
		CheckoutSecondClickHoldsNoThreadIntegrationTests.ClicksArriving.class })
class CheckoutSecondClickHoldsNoThreadIntegrationTests extends PortalTestSupport {

	/** More clicks than the server has request threads ({@code server.tomcat.threads.max=64}). */
	private static final int FLOOD = 100;

	@Autowired
	HeldGateway gateway;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TestClock clock;

	@Autowired
	ClicksArriving arriving;

	@Autowired
	WebServerApplicationContext server;

	private final ExecutorService clicks = Executors.newFixedThreadPool(FLOOD + 2);

	@AfterEach
	void releaseTheGateway() throws InterruptedException {
		gateway.release();
		clicks.shutdownNow();
		clicks.awaitTermination(60, TimeUnit.SECONDS);
	}

	/** The sandbox, except that the first charge after {@link #hold} waits until the test releases it. */
	@Primary
	static final class HeldGateway extends DelegatingGateway {

		private volatile @Nullable CountDownLatch held;

		private volatile boolean armed;

		volatile CountDownLatch entered = new CountDownLatch(1);

		void hold() {
			entered = new CountDownLatch(1);
			held = new CountDownLatch(1);
			armed = true;
		}

		void release() {
			armed = false;
			CountDownLatch latch = held;
			if (latch != null) {
				latch.countDown();
			}
		}

		@Override
		public PaymentResult charge(String token, Money amount, String idempotencyKey) {
			CountDownLatch latch = held;
			if (armed && latch != null) {
				armed = false;
				entered.countDown();
				try {
					latch.await(90, TimeUnit.SECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}
			return super.charge(token, amount, idempotencyKey);
		}
	}

	/** Counts the clicks on the checkout that reach the server: a request thread has taken them. */
	@Order(Ordered.HIGHEST_PRECEDENCE)
	static final class ClicksArriving extends org.springframework.web.filter.OncePerRequestFilter {

		final AtomicInteger clicks = new AtomicInteger();

		@Override
		protected void doFilterInternal(jakarta.servlet.http.HttpServletRequest request,
				jakarta.servlet.http.HttpServletResponse response, jakarta.servlet.FilterChain chain)
				throws jakarta.servlet.ServletException, java.io.IOException {
			if ("POST".equals(request.getMethod()) && request.getRequestURI().startsWith("/checkout/")) {
				clicks.incrementAndGet();
			}
			chain.doFilter(request, response);
		}
	}

	/** Whether every request thread of the server is busy. */
	private boolean everyRequestThreadBusy() {
		var threads = (org.apache.tomcat.util.threads.ThreadPoolExecutor) ((TomcatWebServer) server.getWebServer())
			.getTomcat().getConnector().getProtocolHandler().getExecutor();
		return threads.getActiveCount() >= threads.getMaximumPoolSize();
	}

	private static String disclosureId(String body) {
		Matcher m = Pattern.compile("name=\"disclosureId\" value=\"(dsc_[^\"]+)\"").matcher(body);
		assertThat(m.find()).as(body).isTrue();
		return m.group(1);
	}

	/** A signed-in Texan (the button is the consent, no box) on the checkout page of the yearly VPN. */
	private record Buyer(String account, PortalSession browser, String disclosureId) {
	}

	private Buyer buyerOnTheCheckoutPage() {
		String account = fixtures.account("US", "TX");
		fixtures.card(account, "tok_visa");
		PortalSession browser = new PortalSession(port).signIn(api, account);
		return new Buyer(account, browser, disclosureId(browser.get("/checkout/vpn-annual").body()));
	}

	/** The buyer's first click, sent with {@code card}, held at the gateway until the test releases it. */
	private CompletableFuture<PortalSession.Page> firstClickHeldAtTheGateway(Buyer buyer, String card)
			throws InterruptedException {
		gateway.hold();
		CompletableFuture<PortalSession.Page> first = CompletableFuture.supplyAsync(() -> buyer.browser()
			.post("/checkout/vpn-annual", Map.of("disclosureId", buyer.disclosureId(), "card", card)), clicks);
		assertThat(gateway.entered.await(30, TimeUnit.SECONDS)).as("the first click's charge reaches the gateway").isTrue();
		return first;
	}

	private CompletableFuture<PortalSession.Page> click(Buyer buyer, String card) {
		return CompletableFuture.supplyAsync(() -> buyer.browser()
			.post("/checkout/vpn-annual", Map.of("disclosureId", buyer.disclosureId(), "card", card)), clicks);
	}

	private List<String> attempts(String account) {
		return jdbc.sql("SELECT status FROM purchase_attempts WHERE account_id = :a").param("a", account)
			.query(String.class).list();
	}

	private int subscriptions(String account) {
		return api.get("/accounts/" + account + "/subscriptions").json().path("data").size();
	}

	@Test
	void aSecondClickWhileTheFirstIsChargedIsAnsweredAtOnceAndItsReloadLandsOnTheFirstClicksThanks() throws Exception {
		Buyer buyer = buyerOnTheCheckoutPage();
		CompletableFuture<PortalSession.Page> first = firstClickHeldAtTheGateway(buyer, "tok_visa");

		CompletableFuture<PortalSession.Page> second = click(buyer, "tok_visa");
		assertThat(second).as("answered while the first click's purchase is still with the gateway")
			.succeedsWithin(Duration.ofSeconds(10));
		String pending = "/checkout/pending/" + buyer.disclosureId();
		assertThat(second.get().location()).endsWith(pending);
		assertThat(first).as("the first is still being charged").isNotDone();

		PortalSession.Page inProgress = buyer.browser().get(pending);
		assertThat(inProgress.status()).isEqualTo(200);
		assertThat(inProgress.body()).contains("Your purchase is being completed", "http-equiv=\"refresh\"",
				"href=\"" + pending + "\"")
			.doesNotContain("Thank you");
		assertThat(attempts(buyer.account())).as("only the first click's attempt, nothing charged for the second")
			.hasSize(1);
		assertThat(subscriptions(buyer.account())).isZero();
		assertThat(new PortalSession(port).get(pending).status()).as("a stranger: not found").isEqualTo(404);
		PortalSession other = new PortalSession(port).signIn(api, accountWithVisa());
		assertThat(other.get(pending).status()).as("another customer: the same 404 as an unknown one").isEqualTo(404);
		assertThat(other.get("/checkout/pending/dsc_nope").status()).isEqualTo(404);

		gateway.release();
		PortalSession.Page bought = first.get(30, TimeUnit.SECONDS);
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
		PortalSession.Page reload = buyer.browser().get(pending);
		assertThat(reload.location()).as("the reload lands on the first click's thanks page").isEqualTo(bought.location());
		String thanks = bought.location().substring(bought.location().indexOf("/checkout/thanks/"));
		assertThat(buyer.browser().get(thanks).body()).contains("Thank you", "renews automatically on");

		assertThat(subscriptions(buyer.account())).isEqualTo(1);
		assertThat(attempts(buyer.account())).as("one charge").containsExactly("COMPLETED");
		assertThat(click(buyer, "tok_visa").get(30, TimeUnit.SECONDS).location())
			.as("a later click shows what was bought").isEqualTo(bought.location());
		assertThat(attempts(buyer.account())).containsExactly("COMPLETED");
	}

	@Test
	void aSecondClickWhileTheFirstIsDeclinedReloadsToTheErrorTheFirstClickGot() throws Exception {
		Buyer buyer = buyerOnTheCheckoutPage();
		CompletableFuture<PortalSession.Page> first = firstClickHeldAtTheGateway(buyer, "tok_chargeDeclined");

		CompletableFuture<PortalSession.Page> second = click(buyer, "tok_chargeDeclined");
		assertThat(second).succeedsWithin(Duration.ofSeconds(10));
		String pending = "/checkout/pending/" + buyer.disclosureId();
		assertThat(second.get().location()).endsWith(pending);
		assertThat(buyer.browser().get(pending).body()).contains("Your purchase is being completed");

		gateway.release();
		PortalSession.Page declined = first.get(30, TimeUnit.SECONDS);
		assertThat(declined.status()).isEqualTo(402);
		PortalSession.Page reload = buyer.browser().get(pending);
		assertThat(reload.status()).as(reload.body()).isEqualTo(402);
		assertThat(reload.body()).contains("Your card was declined. Nothing was charged", "id=\"subscribe\"")
			.doesNotContain("Your purchase is being completed");
		assertThat(subscriptions(buyer.account())).isZero();
		assertThat(attempts(buyer.account())).containsExactly("DECLINED");
	}

	@Test
	void aFloodOfSecondClicksLeavesThePublicCancelFormAnswering() throws Exception {
		Buyer buyer = buyerOnTheCheckoutPage();
		CompletableFuture<PortalSession.Page> first = firstClickHeldAtTheGateway(buyer, "tok_visa");

		CountDownLatch go = new CountDownLatch(1);
		List<CompletableFuture<PortalSession.Page>> flood = new ArrayList<>();
		String token = buyer.browser().csrf();
		for (int i = 0; i < FLOOD; i++) {
			flood.add(CompletableFuture.supplyAsync(() -> {
				try {
					go.await();
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
				return buyer.browser().postWithToken(token, "/checkout/vpn-annual",
						Map.of("disclosureId", buyer.disclosureId(), "card", "tok_visa"));
			}, clicks));
		}
		int arrivedBefore = arriving.clicks.get();
		go.countDown();
		// every click has reached the server, or as many as it has request threads for (which, without the fix, they
		// all keep for 30 s)
		await("the clicks reach the server").atMost(Duration.ofSeconds(30))
			.until(() -> arriving.clicks.get() - arrivedBefore >= FLOOD || everyRequestThreadBusy());
		PortalSession stranger = new PortalSession(port);
		CompletableFuture<PortalSession.Page> cancelForm = CompletableFuture.supplyAsync(() -> stranger.get("/cancel"),
				clicks);
		assertThat(cancelForm).as("the public cancel form answers during the flood (the clicks wait 30 s without the fix)")
			.succeedsWithin(Duration.ofSeconds(10));
		assertThat(cancelForm.get().status()).isEqualTo(200);

		for (CompletableFuture<PortalSession.Page> click : flood) {
			assertThat(click.get(30, TimeUnit.SECONDS).location()).endsWith("/checkout/pending/" + buyer.disclosureId());
		}
		assertThat(first).isNotDone();
		gateway.release();
		assertThat(first.get(30, TimeUnit.SECONDS).location()).contains("/checkout/thanks/sub_");
		assertThat(subscriptions(buyer.account())).isEqualTo(1);
		assertThat(attempts(buyer.account())).containsExactly("COMPLETED");
	}
	/** The disclosure's hold as the database reads it: until when, and the database's real time now. */
	private String hold(String disclosureId) {
		return jdbc.sql("SELECT coalesce(claimed_until::text, 'none') || ' (now ' || statement_timestamp()::text || ')' "
				+ "FROM disclosures WHERE id = :id").param("id", disclosureId).query(String.class).single();
	}

	/**
	 * A purchase's hold on its disclosure runs in real time: moving the test clock past the hold (ten minutes, within
	 * the disclosure's hour) while the first click is with the gateway lets no second click take it and be charged too,
	 * and moving it a day more still shows the pending page, not the form.
	 */
	@Test
	void movingTheTestClockWhileTheFirstClickIsWithTheGatewayKeepsItsHoldAndASecondClickChargesNothing()
			throws Exception {
		Buyer buyer = buyerOnTheCheckoutPage();
		CompletableFuture<PortalSession.Page> first = firstClickHeldAtTheGateway(buyer, "tok_visa");
		clock.moveTo(clock.instant().plus(Duration.ofMinutes(10)));

		PortalSession.Page second = click(buyer, "tok_visa").get(30, TimeUnit.SECONDS);
		String pending = "/checkout/pending/" + buyer.disclosureId();
		assertThat(attempts(buyer.account())).as("the second click charged nothing: " + hold(buyer.disclosureId()))
			.hasSize(1);
		assertThat(second.location()).as(second.status() + " " + second.body()).endsWith(pending);
		clock.moveTo(clock.instant().plus(Duration.ofDays(1)));
		assertThat(buyer.browser().get(pending).body()).as(hold(buyer.disclosureId()))
			.contains("Your purchase is being completed");

		gateway.release();
		assertThat(first.get(30, TimeUnit.SECONDS).location()).contains("/checkout/thanks/sub_");
		assertThat(subscriptions(buyer.account())).isEqualTo(1);
		assertThat(attempts(buyer.account())).containsExactly("COMPLETED");
	}

	/**
	 * A hold taken while the test clock stands a day ahead ends minutes from now in real time, not a day from now: a
	 * node that stops mid-purchase leaves no pending page reloading for a day.
	 */
	@Test
	void aHoldTakenWhileTheTestClockStandsADayAheadEndsWithinMinutesOfRealTime() throws Exception {
		clock.moveTo(clock.instant().plus(Duration.ofDays(1)));
		Buyer buyer = buyerOnTheCheckoutPage();
		CompletableFuture<PortalSession.Page> first = firstClickHeldAtTheGateway(buyer, "tok_visa");
		boolean minutes = jdbc.sql("SELECT claimed_until > statement_timestamp() "
				+ "AND claimed_until <= statement_timestamp() + interval '5 minutes' FROM disclosures WHERE id = :id")
			.param("id", buyer.disclosureId()).query(Boolean.class).single();
		assertThat(minutes).as("held for the 5 minutes of the hold in real time: " + hold(buyer.disclosureId())).isTrue();
		gateway.release();
		assertThat(first.get(30, TimeUnit.SECONDS).location()).contains("/checkout/thanks/sub_");
	}

	/**
	 * A hold whose real time has passed (its node stopped mid-purchase) no longer holds the disclosure, the clock
	 * unmoved: its pending page shows the form, and a click buys with it, charged once.
	 */
	@Test
	void aHoldLapsedInRealTimeLetsAClickBuyWithoutMovingTheClock() throws Exception {
		Buyer buyer = buyerOnTheCheckoutPage();
		jdbc.sql("UPDATE disclosures SET claimed_by = 'sub_stopped', claimed_until = statement_timestamp() - interval '1 second' "
				+ "WHERE id = :id").param("id", buyer.disclosureId()).update();
		assertThat(buyer.browser().get("/checkout/pending/" + buyer.disclosureId()).body())
			.doesNotContain("Your purchase is being completed").contains("id=\"subscribe\"");
		PortalSession.Page bought = click(buyer, "tok_visa").get(30, TimeUnit.SECONDS);
		assertThat(bought.location()).as(bought.body()).contains("/checkout/thanks/sub_");
		assertThat(attempts(buyer.account())).containsExactly("COMPLETED");
	}

	/**
	 * A click refused before it held the disclosure (here: the same form sent again once the clock passed the
	 * disclosure's hour, as a second click racing a declined first one is refused once the first let go) tries no
	 * payment and leaves the pending page showing what the click that tried got: the decline.
	 */
	@Test
	void aClickRefusedBeforeItTriedToPayLeavesThePendingPageShowingTheFirstClicksDecline() throws Exception {
		Buyer buyer = buyerOnTheCheckoutPage();
		PortalSession.Page declined = click(buyer, "tok_chargeDeclined").get(30, TimeUnit.SECONDS);
		assertThat(declined.status()).isEqualTo(402);
		clock.moveTo(clock.instant().plus(Duration.ofHours(2)));
		PortalSession.Page refused = click(buyer, "tok_chargeDeclined").get(30, TimeUnit.SECONDS);
		assertThat(refused.status()).as(refused.body()).isEqualTo(400);
		assertThat(attempts(buyer.account())).as("the refused click charged nothing").containsExactly("DECLINED");

		PortalSession.Page reload = buyer.browser().get("/checkout/pending/" + buyer.disclosureId());
		assertThat(reload.status()).as(reload.body()).isEqualTo(402);
		assertThat(reload.body()).contains("Your card was declined. Nothing was charged");
	}
}
