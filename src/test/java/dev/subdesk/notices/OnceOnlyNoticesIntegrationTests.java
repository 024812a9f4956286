package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.events.EventLog;
import dev.subdesk.events.EventType;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Once-only notices are kept once by the database (V141), not by care in the callers: a second trigger of the same
 * notice for the same subject stores nothing and answers the first notice, and even a raw second insert is refused.
 * The WELCOME is written by the notices' listener of {@code account.created}, not by the accounts module.
 */
class OnceOnlyNoticesIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Notices notices;

	@Autowired
	JdbcClient database;

	@Autowired
	PlatformTransactionManager txManager;

	@Autowired
	EventLog events;

	@Autowired
	JsonMapper json;

	private long stored(NoticeType type, String relatedId) {
		return database.sql("SELECT count(*) FROM notices WHERE type = :type AND related_id = :related")
			.param("type", type.name())
			.param("related", relatedId)
			.query(Long.class)
			.single();
	}

	@Test
	void aSecondConfirmationOfOneCancellationStoresNothingAndAnswersTheFirst() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String number = fixtures.cancel(sub, "END_OF_TERM").text("confirmationNumber");
		assertThat(stored(NoticeType.CANCELLATION_CONFIRMATION, number)).isEqualTo(1);
		String first = database.sql("SELECT id FROM notices WHERE type = 'CANCELLATION_CONFIRMATION' AND related_id = :n")
			.param("n", number)
			.query(String.class)
			.single();

		String again = new TransactionTemplate(txManager).execute(status -> notices.send(account,
				"someone@example.com", NoticeType.CANCELLATION_CONFIRMATION, "Cancelled again?", "A duplicate trigger",
				number));

		assertThat(again).isEqualTo(first);
		assertThat(stored(NoticeType.CANCELLATION_CONFIRMATION, number)).isEqualTo(1);
		assertThat(api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CANCELLATION_CONFIRMATION"))).hasSize(1);
	}

	@Test
	void theWelcomeIsWrittenByTheListenerOfAccountCreatedAndARepeatedEventWritesNoSecondOne() {
		String account = fixtures.account();
		assertThat(stored(NoticeType.WELCOME, account)).isEqualTo(1);
		JsonNode welcome = api.get("/accounts/" + account + "/notices").json().path("data").get(0);
		assertThat(welcome.path("type").asString()).isEqualTo("WELCOME");
		assertThat(welcome.path("body").asString()).startsWith("Hallo,\n\nIhr Acme-Konto") // a German account: its language
			.doesNotContain("Test Customer"); // the name typed with the address is not mailed to it (invariant 13)
		String data = events.ofSubject(account).get(0).data();

		new TransactionTemplate(txManager).executeWithoutResult(
				status -> events.append(EventType.ACCOUNT_CREATED, account, account, json.readTree(data)));

		assertThat(events.ofSubject(account)).hasSize(2);
		assertThat(stored(NoticeType.WELCOME, account)).isEqualTo(1);
	}

	@Test
	void theDatabaseRefusesASecondWelcomeOrderConfirmationOrWithdrawalAcknowledgementEvenFromARawInsert() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		for (var once : Map.of(NoticeType.WELCOME, account, NoticeType.ORDER_CONFIRMATION, sub,
				NoticeType.WITHDRAWAL_ACKNOWLEDGEMENT, "WDR-ONCE-" + sub).entrySet()) {
			String insert = """
					INSERT INTO notices (id, account_id, type, recipient, subject, body, related_id, created_at)
					VALUES (:id, :account, :type, 'a@example.com', 's', 'b', :related, now())
					""";
			if (stored(once.getKey(), once.getValue()) == 0) {
				database.sql(insert).param("id", "ntc_first_" + once.getKey().ordinal() + sub).param("account", account)
					.param("type", once.getKey().name()).param("related", once.getValue()).update();
			}
			assertThatThrownBy(() -> database.sql(insert).param("id", "ntc_dup_" + once.getKey().ordinal() + sub)
				.param("account", account).param("type", once.getKey().name()).param("related", once.getValue())
				.update()).as(once.getKey().name()).isInstanceOf(DuplicateKeyException.class);
			assertThat(stored(once.getKey(), once.getValue())).isEqualTo(1);
		}
	}
}
