package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.NoticeWriteHold;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Asking for a sign-in code does the same work whether or not the email has an account, so the answer's time does not
 * tell whether an address is a customer's: the SIGN_IN_CODE notice of an account is written after the request has
 * committed, off its thread. A notices table that is slow (held here) holds the notice, never the answer; the notice
 * still arrives, and an address with no account never gets one.
 */
@SubdeskIntegrationTest
class SignInAnswersBeforeTheNoticeIntegrationTests extends PortalTestSupport {

	private static final long HOLD = 727_611L;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	DataSource dataSource;

	private final ExecutorService browsers = Executors.newFixedThreadPool(2);

	@AfterEach
	void stopBrowsers() {
		browsers.shutdownNow();
	}

	@Test
	void theSignInRequestOfAnAccountAnswersWhileItsNoticeCannotBeWrittenAndTheNoticeFollows() throws Exception {
		Customer customer = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port);
		session.get("/portal/sign-in");

		try (NoticeWriteHold hold = new NoticeWriteHold(jdbc, dataSource, "sign_in_notice_hold", HOLD,
				"NEW.type = 'SIGN_IN_CODE' AND NEW.account_id = '" + customer.account() + "'")) {
			Future<PortalSession.Page> answer = browsers
				.submit(() -> session.post("/portal/sign-in", Map.of("email", customer.email())));

			// generous: only a request that waits for the held notice takes this long
			PortalSession.Page page = answer.get(10, TimeUnit.SECONDS);
			assertThat(page.location()).as("answered while the notice is held").endsWith("/portal/sign-in/code");
			hold.awaitHeld("the notice is being written, after the answer");
			assertThat(signInNotices(customer.account())).as("not yet: its write is held").isZero();
		}

		// released: the notice arrives, and its code signs this browser in
		Awaitility.await("the SIGN_IN_CODE notice").atMost(Duration.ofSeconds(10))
			.until(() -> signInNotices(customer.account()) == 1);
		session.get("/portal/sign-in/code");
		PortalSession.Page signedIn = session.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCode(api, customer.account())));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/portal");
	}

	@Test
	void anAddressWithoutAnAccountGetsTheSameAnswerAndTheSameRowButNeverANotice() {
		Customer customer = customerWith("antivirus-annual");
		String stranger = "nobody." + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
		PortalSession theirs = new PortalSession(port);
		PortalSession strangers = new PortalSession(port);
		theirs.get("/portal/sign-in");
		strangers.get("/portal/sign-in");

		PortalSession.Page known = theirs.post("/portal/sign-in", Map.of("email", customer.email()));
		PortalSession.Page unknown = strangers.post("/portal/sign-in", Map.of("email", stranger));

		assertThat(unknown.status()).isEqualTo(known.status());
		assertThat(unknown.location()).isEqualTo(known.location());
		assertThat(codeRows(stranger)).as("a code row for the address without an account too").isEqualTo(1);
		Awaitility.await("the account's notice").atMost(Duration.ofSeconds(10))
			.until(() -> signInNotices(customer.account()) == 1);
		// the account's notice came after its request; the stranger's request was answered after that one
		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:to)").param("to", stranger)
			.query(Long.class).single()).as("nothing to an address without an account").isZero();
	}

	private long signInNotices(String account) {
		return jdbc.sql("SELECT count(*) FROM notices WHERE account_id = :a AND type = 'SIGN_IN_CODE'")
			.param("a", account).query(Long.class).single();
	}

	private long codeRows(String email) {
		return jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE email = lower(:e)").param("e", email)
			.query(Long.class).single();
	}
}
