package dev.subdesk.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The safety net of the sign-in notices ({@link SignInCodeNotices#sendUnnotified}): a code committed without its
 * notice (its node stopped after the commit, before the notice) is mailed while it is still valid, with a new code
 * and link that work; never a code of an address without an account, nor one that expired, was ended, or was mailed.
 */
@SubdeskIntegrationTest
class SignInCodeNoticesSafetyNetIntegrationTests {

	private static final Pattern CODE = Pattern.compile("sign-in code is (\\d{6})");

	private static final Pattern LINK = Pattern.compile("/portal/sign-in/link\\?t=([A-Za-z0-9_-]{43})");

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	SignInCodes codes;

	@Autowired
	SignInCodeNotices net;

	Api api;

	Fixtures fixtures;

	@BeforeEach
	void connect() {
		Mailbox.register(port, jdbc);
		api = new Api(port);
		fixtures = new Fixtures(api);
	}

	@Test
	void aCodeCommittedWithoutItsNoticeIsMailedWithANewCodeAndLinkThatWork() {
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		String id = committedWithoutNotice(email, account, "browser-a", Duration.ofMinutes(2));

		net.sendUnnotified();

		String body = Mailbox.latestBody(api, account, "SIGN_IN_CODE");
		assertThat(notices(account)).as("one notice, for that code").containsExactly(id);
		assertThat(jdbc.sql("SELECT notified_at IS NOT NULL FROM portal_sign_in_codes WHERE id = :id").param("id", id)
			.query(Boolean.class).single()).isTrue();
		Matcher link = LINK.matcher(body);
		assertThat(link.find()).as(body).isTrue();
		assertThat(codes.peekLink(link.group(1), "browser-a")).as("its new link signs in")
			.hasValueSatisfying(l -> assertThat(l.accountId()).isEqualTo(account));
		Matcher code = CODE.matcher(body);
		assertThat(code.find()).as(body).isTrue();
		assertThat(codes.verify(email, code.group(1), "browser-a")).as("its new code signs in").contains(account);

		net.sendUnnotified();
		assertThat(notices(account)).as("mailed once").hasSize(1);
	}

	@Test
	void aCodeOfAnAddressWithoutAnAccountIsNeverMailedByTheSafetyNet() {
		String stranger = "nobody." + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
		codes.issue(stranger, "203.0.113.7", "browser-b");
		String inserted = committedWithoutNotice(stranger, null, "browser-c", Duration.ofMinutes(2));
		jdbc.sql("UPDATE portal_sign_in_codes SET created_at = :at WHERE email = :e")
			.param("at", Timestamp.from(clock.instant().minus(Duration.ofMinutes(2))))
			.param("e", EmailAddresses.key(jdbc, stranger))
			.update();

		net.sendUnnotified();

		assertThat(jdbc.sql("SELECT count(*) FROM notices WHERE lower(recipient) = lower(:to) OR related_id = :id")
			.param("to", stranger).param("id", inserted).query(Long.class).single()).isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM portal_sign_in_codes WHERE email = :e AND notified_at IS NULL")
			.param("e", EmailAddresses.key(jdbc, stranger)).query(Long.class).single()).isEqualTo(2);
	}

	@Test
	void anExpiredEndedOrMailedCodeIsLeftAsItIs() {
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		// mailed by its request's hand-off, then looked at by the safety net too
		codes.issue(email, "203.0.113.8", "browser-d");
		Mailbox.awaitSignInCodesMailed(api, account);
		jdbc.sql("UPDATE portal_sign_in_codes SET created_at = :at WHERE account_id = :a")
			.param("at", Timestamp.from(clock.instant().minus(Duration.ofMinutes(2)))).param("a", account).update();
		// expired unsent, and ended unsent
		String expired = committedWithoutNotice(email, account, "browser-e", Duration.ofMinutes(11));
		String ended = committedWithoutNotice(email, account, "browser-f", Duration.ofMinutes(2));
		jdbc.sql("UPDATE portal_sign_in_codes SET used_at = created_at WHERE id = :id").param("id", ended).update();

		net.sendUnnotified();

		assertThat(notices(account)).as("the hand-off's notice only").hasSize(1).doesNotContain(expired, ended);
	}

	/**
	 * During a deploy the release before this one still serves: its nodes mail the code in the request and store its
	 * row without naming {@code notified_at}. The column's default marks such a row, so the net does not mail it a
	 * second time with a new code (which would make the one the person received a wrong try).
	 */
	@Test
	void aCodeStoredByTheReleaseBeforeIsNotMailedAgain() {
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		String id = "sic_old" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
		Instant at = clock.instant().minus(Duration.ofMinutes(2));
		jdbc.sql("""
				INSERT INTO portal_sign_in_codes (id, email, account_id, code_hash, client_ip, created_at, expires_at,
				  requester, link_hash)
				VALUES (:id, :email, :account, 'mailed by its request', '203.0.113.9', :at, :expires, 'browser-g', :link)
				""")
			.param("id", id).param("email", EmailAddresses.key(jdbc, email)).param("account", account)
			.param("at", Timestamp.from(at)).param("expires", Timestamp.from(at.plus(SignInCodes.VALID_FOR)))
			.param("link", SignInCodes.linkHash(id))
			.update();

		net.sendUnnotified();

		assertThat(notices(account)).as("not mailed again").doesNotContain(id);
		assertThat(jdbc.sql("SELECT code_hash FROM portal_sign_in_codes WHERE id = :id").param("id", id)
			.query(String.class).single()).as("its code unchanged").isEqualTo("mailed by its request");
	}

	/** A code whose account closed before its notice is never mailed, and is settled so that no later run reads it. */
	@Test
	void aCodeOfAnAccountClosedBeforeItsNoticeIsSettledWithoutANotice() {
		String account = fixtures.account("IE", null);
		String email = api.get("/accounts/" + account).text("email");
		String id = committedWithoutNotice(email, account, "browser-h", Duration.ofMinutes(2));
		assertThat(api.post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		net.sendUnnotified();

		assertThat(notices(account)).as("no notice").doesNotContain(id);
		assertThat(jdbc.sql("SELECT notified_at IS NOT NULL FROM portal_sign_in_codes WHERE id = :id").param("id", id)
			.query(Boolean.class).single()).as("settled, out of the net").isTrue();
	}

	/**
	 * A code's row as {@link SignInCodes#issue} commits it, asked for {@code age} ago, whose notice was never written:
	 * what a node that stops right after the commit leaves.
	 */
	private String committedWithoutNotice(String email, String account, String requester, Duration age) {
		String id = "sic_net" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
		Instant at = clock.instant().minus(age);
		jdbc.sql("""
				INSERT INTO portal_sign_in_codes (id, email, account_id, code_hash, client_ip, created_at, expires_at,
				  requester, link_hash, notified_at)
				VALUES (:id, :email, :account, :hash, '203.0.113.9', :at, :expires, :requester, :link, NULL)
				""")
			.param("id", id)
			.param("email", EmailAddresses.key(jdbc, email))
			.param("account", account)
			.param("hash", "a code no one received")
			.param("at", Timestamp.from(at))
			.param("expires", Timestamp.from(at.plus(SignInCodes.VALID_FOR)))
			.param("requester", requester)
			.param("link", SignInCodes.linkHash(id))
			.update();
		return id;
	}

	private List<String> notices(String account) {
		return jdbc.sql("SELECT related_id FROM notices WHERE account_id = :a AND type = 'SIGN_IN_CODE'")
			.param("a", account).query(String.class).list();
	}
}
