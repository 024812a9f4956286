package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The per-email limits of sign-in codes (3 in 15 minutes) and of the public forms (10 requests a day) hold when the
 * requests arrive together: each browser has its page and CSRF token ready, a latch lets them all post at once, and
 * exactly the limit gets through, so exactly that many emails go out.
 */
@SubdeskIntegrationTest
class LimitsHoldUnderConcurrencyIntegrationTests extends PortalTestSupport {

	private static final int CODES_PER_EMAIL = 3;

	private static final int PUBLIC_REQUESTS_PER_EMAIL = 10;

	@Test
	void twelveSignInRequestsForOneEmailAtOnceSendExactlyThreeCodes() throws Exception {
		Customer c = customerWith("antivirus-annual");

		List<Integer> statuses = together(12, "/portal/sign-in", i -> Map.of("email", c.email()));

		assertThat(statuses).filteredOn(s -> s == 302).hasSize(CODES_PER_EMAIL);
		assertThat(statuses).filteredOn(s -> s == 429).hasSize(12 - CODES_PER_EMAIL);
		dev.subdesk.testing.Mailbox.awaitSignInCodesMailed(api, c.account());
		assertThat(noticeTypes(c.account())).filteredOn("SIGN_IN_CODE"::equals).hasSize(CODES_PER_EMAIL);
	}

	@Test
	void twentyPublicCancellationsNamingOneEmailAtOnceOpenExactlyTenCases() throws Exception {
		Customer c = customerWith("antivirus-annual");

		List<Integer> statuses = together(20, "/cancel", i -> Map.of("kind", "ORDINARY", "name", "Mallory", "email",
				c.email(), "orderNumber", "ORD-0000-%04d".formatted(i), "timing", "IMMEDIATELY", "confirmationEmail",
				c.email()));

		assertThat(statuses).filteredOn(s -> s == 302).hasSize(PUBLIC_REQUESTS_PER_EMAIL);
		assertThat(statuses).filteredOn(s -> s == 429).hasSize(20 - PUBLIC_REQUESTS_PER_EMAIL);
		assertThat(noticeTypes(c.account())).filteredOn("CASE_UPDATE"::equals).hasSize(PUBLIC_REQUESTS_PER_EMAIL);
	}

	@Test
	void twentyPublicWithdrawalsNamingOneEmailAtOnceOpenExactlyTenCases() throws Exception {
		Customer c = customerWith("antivirus-annual");

		List<Integer> statuses = together(20, "/withdraw",
				i -> PortalWithdrawalIntegrationTests.form("Mallory", c.email(), "ORD-0000-%04d".formatted(i)));

		assertThat(statuses).filteredOn(s -> s == 302).hasSize(PUBLIC_REQUESTS_PER_EMAIL);
		assertThat(statuses).filteredOn(s -> s == 429).hasSize(20 - PUBLIC_REQUESTS_PER_EMAIL);
		assertThat(noticeTypes(c.account())).filteredOn("CASE_UPDATE"::equals).hasSize(PUBLIC_REQUESTS_PER_EMAIL);
	}

	/**
	 * Opens {@code path} in {@code count} browsers, then lets them all post their form at the same moment; answers
	 * the statuses.
	 */
	private List<Integer> together(int count, String path, Function<Integer, Map<String, String>> form) throws Exception {
		List<PortalSession> browsers = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			PortalSession browser = new PortalSession(port);
			assertThat(browser.get(path).status()).isEqualTo(200);
			browsers.add(browser);
		}
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService threads = Executors.newFixedThreadPool(count);
		try {
			List<Future<Integer>> posted = new ArrayList<>();
			for (int i = 0; i < count; i++) {
				PortalSession browser = browsers.get(i);
				Map<String, String> fields = form.apply(i);
				posted.add(threads.submit(() -> {
					start.await();
					return browser.post(path, fields).status();
				}));
			}
			start.countDown();
			List<Integer> statuses = new ArrayList<>();
			for (Future<Integer> f : posted) {
				statuses.add(f.get(60, TimeUnit.SECONDS));
			}
			return statuses;
		}
		finally {
			threads.shutdownNow();
		}
	}
}
