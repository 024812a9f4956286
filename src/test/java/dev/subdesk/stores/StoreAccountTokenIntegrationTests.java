package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An account's store token is made when the account is opened, in that transaction: the {@code GET} that the vendor's
 * app asks it with only reads it, and a closed account has none.
 */
class StoreAccountTokenIntegrationTests extends ApiIntegrationTest {

	@Autowired
	JdbcClient jdbc;

	private Api vendor;

	@BeforeEach
	void setUp() {
		vendor = api.checkedAgainstTheDescription();
	}

	record Row(UUID token, Timestamp createdAt) {
	}

	private List<Row> rows(String account) {
		return jdbc.sql("SELECT token, created_at FROM store_account_tokens WHERE account_id = :account")
			.param("account", account)
			.query(Row.class)
			.list();
	}

	private Api.Response token(String account) {
		return vendor.get("/accounts/" + account + "/store-account-token");
	}

	@Test
	void aNewAccountHasItsTokenFromItsOpeningBeforeAnyoneAsksForIt() {
		String account = fixtures.account();
		assertThat(rows(account)).as("the token row right after POST /accounts, before any GET").hasSize(1);
	}

	@Test
	void askingForTheTokenReadsTheOneMadeAtTheOpeningAndWritesNothing() {
		String account = fixtures.account();
		List<Row> opened = rows(account);
		assertThat(opened).as("the token row right after POST /accounts, before any GET").hasSize(1);
		long all = jdbc.sql("SELECT count(*) FROM store_account_tokens").query(Long.class).single();

		Api.Response first = token(account);
		Api.Response second = token(account);

		assertThat(first.status()).as(first.toString()).isEqualTo(200);
		assertThat(first.json()).isEqualTo(second.json());
		assertThat(first.text("appAccountToken")).isEqualTo(opened.getFirst().token().toString());
		assertThat(first.text("obfuscatedExternalAccountId")).isEqualTo(first.text("appAccountToken"));
		assertThat(first.text("accountId")).isEqualTo(account);
		assertThat(rows(account)).as("the same row, unchanged").isEqualTo(opened);
		assertThat(jdbc.sql("SELECT count(*) FROM store_account_tokens").query(Long.class).single())
			.as("no row written by the two GETs").isEqualTo(all);
	}

	/**
	 * An account opened by a node of the release before tokens were made at the opening (during a rolling deploy,
	 * after V680 filled in the accounts there were) has none: the first GET still makes it, once.
	 */
	@Test
	void anOpenAccountWithoutATokenStillGetsOneOnce() {
		String account = fixtures.account();
		jdbc.sql("DELETE FROM store_account_tokens WHERE account_id = :account").param("account", account).update();

		Api.Response first = token(account);
		Api.Response second = token(account);

		assertThat(first.status()).as(first.toString()).isEqualTo(200);
		assertThat(first.json()).isEqualTo(second.json());
		assertThat(rows(account)).singleElement()
			.extracting(row -> row.token().toString())
			.isEqualTo(first.text("appAccountToken"));
	}

	@Test
	void aClosedAccountHasNoTokenAndAskingForOneIsAConflict() {
		String account = fixtures.account();
		Api.Response closed = api.post("/accounts/" + account + "/close", Map.of());
		assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
		assertThat(rows(account)).as("the closure deleted the token").isEmpty();

		Api.Response answer = token(account);

		assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
		assertThat(answer.code()).isEqualTo("ACCOUNT_CLOSED");
		assertThat(rows(account)).as("nothing made for a closed account").isEmpty();
		assertThat(token("acct_nope").status()).isEqualTo(404);
	}
}
