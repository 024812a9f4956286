package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.subdesk.SubdeskApplication;
import dev.subdesk.notices.Notice;
import dev.subdesk.notices.NoticeType;
import dev.subdesk.notices.Notices;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
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

	static ConfigurableApplicationContext app;

	static Api api;

	static int port;

	@BeforeAll
	static void start() {
		app = new SpringApplicationBuilder(SubdeskApplication.class).run("--server.port=0",
				"--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + dataDir, "--subdesk.clock.test-clock=true",
				"--subdesk.notices.code-erasure-interval=PT0.2S", "--subdesk.jobs.initial-delay=PT0S",
				"--logging.level.root=WARN");
		port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
		api = new Api(port);
		Mailbox.register(port, app.getBean(JdbcClient.class));
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
	}

	@Test
	void anUnsentSignInCodeNoticeLosesItsTextOnceTheCodeHasExpiredAndIsNeverDeliveredAgain() {
		Fixtures fixtures = new Fixtures(api);
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		PortalSession.from(port, "127.0.9.1").signIn(api, account);
		PortalSession.from(port, "127.0.9.2").requestCode(email);
		JdbcClient jdbc = app.getBean(JdbcClient.class);
		assertThat(bodies(jdbc, account, "SIGN_IN_CODE")).as("kept while valid, without a mail server").hasSize(2)
			.doesNotContainNull();
		Notices notices = app.getBean(Notices.class);
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
		assertThat(bodies(jdbc, account, "SIGN_IN_CODE")).as("a new code is asked for: its text is there while valid")
			.hasSize(3)
			.filteredOn(java.util.Objects::nonNull)
			.hasSize(1);
		assertThat(PortalSession.latestCode(api, account)).matches("\\d{6}");
	}

	private static java.util.List<String> bodies(JdbcClient jdbc, String account, String type) {
		return jdbc.sql("SELECT body FROM notices WHERE account_id = :a AND type = :t ORDER BY created_at, seq")
			.param("a", account)
			.param("t", type)
			.query(String.class)
			.list();
	}
}
