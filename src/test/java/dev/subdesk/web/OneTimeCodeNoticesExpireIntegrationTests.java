package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.subdesk.notices.Notice;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.StandaloneServer;
import dev.subdesk.testing.Mailbox;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Without a mail server a one-time code notice is never sent: its text (the code, the sign-in link) stays in the
 * database only while the code is valid (the demo mailbox shows it meanwhile), and is erased once the code has
 * expired; the account's other notices keep theirs. A one-time code is never delivered again: a new one is asked for.
 * The server runs its own database with the erasure every 0.2 s, and the test clock.
 */
class OneTimeCodeNoticesExpireIntegrationTests {

	@TempDir
	static Path dataDir;

	@AutoClose
	static StandaloneServer server;

	static Api api;

	static int port;

	@BeforeAll
	static void start() {
		server = StandaloneServer.start(dataDir, "--subdesk.notices.code-erasure-interval=PT0.2S",
				"--subdesk.jobs.initial-delay=PT0S");
		port = server.port();
		api = server.api();
		Mailbox.register(port, server.app().getBean(JdbcClient.class));
	}

	@Test
	void anUnsentSignInCodeNoticeLosesItsTextOnceTheCodeHasExpiredAndIsNeverDeliveredAgain() {
		Fixtures fixtures = new Fixtures(api);
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		PortalSession.from(port, "127.0.9.1").signIn(api, account);
		PortalSession.from(port, "127.0.9.2").requestCode(email);
		JdbcClient jdbc = server.app().getBean(JdbcClient.class);
		Mailbox.awaitSignInCodesMailed(api, account);
		assertThat(bodies(jdbc, account, "SIGN_IN_CODE")).as("kept while valid, without a mail server").hasSize(2)
			.doesNotContainNull();
		Notices notices = server.app().getBean(Notices.class);
		Notice live = notices.list(account, dev.subdesk.shared.Page.Request.first(100))
			.data()
			.stream()
			.filter(n -> n.type() == NoticeType.SIGN_IN_CODE)
			.findFirst()
			.orElseThrow();
		assertThatThrownBy(() -> notices.redeliver(live, email, "agent"))
			.as("a one-time code is never sent again, even while valid")
			.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.code()).isEqualTo("NOTICE_ERASED"));
		assertThat(jdbc.sql("SELECT count(*) FROM notice_redeliveries WHERE notice_id = :id")
			.param("id", live.id())
			.query(Long.class)
			.single()).isZero();
		String welcome = bodies(jdbc, account, "WELCOME").getFirst();

		fixtures.advance(Duration.ofMinutes(10).plusSeconds(1));

		await("the expired codes' text erased").atMost(Duration.ofSeconds(20))
			.until(() -> bodies(jdbc, account, "SIGN_IN_CODE").stream().allMatch(java.util.Objects::isNull));
		assertThat(bodies(jdbc, account, "WELCOME")).as("another notice keeps its text").containsExactly(welcome);
		for (JsonNode notice : api.get("/accounts/" + account + "/notices").json().path("data")) {
			assertThat(notice.path("deliveryStatus").asString()).as(notice.toString()).isEqualTo("STORED");
		}
		Notice erased = notices.find(account, NoticeType.SIGN_IN_CODE, live.relatedId()).orElseThrow();
		assertThat(erased.body()).isNull();
		assertThatThrownBy(() -> notices.redeliver(erased, email, "agent"))
			.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.code()).isEqualTo("NOTICE_ERASED"));

		PortalSession.Page page = PortalSession.from(port, "127.0.9.3").requestCode(email).get("/portal/sign-in/code");
		assertThat(page.status()).isEqualTo(200);
		Mailbox.awaitSignInCodesMailed(api, account);
		assertThat(bodies(jdbc, account, "SIGN_IN_CODE")).as("a new code is asked for: its text is there while valid")
			.hasSize(3)
			.filteredOn(java.util.Objects::nonNull)
			.hasSize(1);
		assertThat(PortalSession.latestCode(api, account)).matches("\\d{6}");
	}

	/**
	 * Checkout's "I am new here" mails a code to an address no account has: what a second browser typed with the same
	 * address is dropped once the owner's code opens the account (that browser's code becomes the account's), and
	 * the codes' notices, which belong to no account, lose the address typed for them once the codes expired.
	 */
	@Test
	void checkoutCodesToAnAddressWithoutAnAccountLoseTheAddressOnceExpiredAndOtherBrowsersTypedDetailsGo() {
		String email = Fixtures.uniqueEmail();
		PortalSession stranger = PortalSession.from(port, "127.0.9.11");
		stranger.get("/checkout/antivirus-annual");
		stranger.post("/checkout/antivirus-annual/account",
				java.util.Map.of("email", email, "name", "Stranger Typed", "country", "DE", "region", ""));
		PortalSession owner = PortalSession.from(port, "127.0.9.12");
		owner.get("/checkout/antivirus-annual");
		owner.post("/checkout/antivirus-annual/account",
				java.util.Map.of("email", email, "name", "Olive Owner", "country", "IE", "region", ""));
		owner.get("/portal/sign-in/code");
		PortalSession.Page signedIn = owner.post("/portal/sign-in/code",
				java.util.Map.of("code", PortalSession.latestCodeTo(api, email)));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/checkout/antivirus-annual");
		JdbcClient jdbc = server.app().getBean(JdbcClient.class);
		String account = api.get("/accounts?email=" + email).json().path("data").get(0).path("id").asString();
		assertThat(jdbc.sql("""
				SELECT count(*) FROM portal_sign_in_codes
				WHERE lower(email) = lower(:e) AND (pending_name IS NOT NULL OR account_id IS DISTINCT FROM :a)
				""").param("e", email).param("a", account).query(Long.class).single())
			.as("the stranger's code is the account's now, without what was typed with it").isZero();
		assertThat(addressed(jdbc, email)).as("the codes' notices, to no account, while valid").isEqualTo(2);

		new Fixtures(api).advance(Duration.ofMinutes(10).plusSeconds(1));

		await("the expired codes' notices lose the typed address").atMost(Duration.ofSeconds(20))
			.until(() -> addressed(jdbc, email) == 0);
		assertThat(jdbc.sql("""
				SELECT count(*) FROM notices WHERE account_id IS NULL AND type = 'SIGN_IN_CODE'
				  AND recipient = 'erased@invalid' AND body IS NULL""").query(Long.class).single())
			.isGreaterThanOrEqualTo(2);
	}

	private static long addressed(JdbcClient jdbc, String email) {
		return jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:e) AND account_id IS NULL")
			.param("e", email)
			.query(Long.class)
			.single();
	}

	private static java.util.List<String> bodies(JdbcClient jdbc, String account, String type) {
		return jdbc.sql("SELECT body FROM notices WHERE account_id = :a AND type = :t ORDER BY created_at, seq")
			.param("a", account)
			.param("t", type)
			.query(String.class)
			.list();
	}
}
