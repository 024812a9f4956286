package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A notice is written by the notices' listener of the change's event in the change's own transaction (invariant 12):
 * it is there before the change commits, and a change that rolls back leaves no notice behind.
 */
class NoticesFollowTheirChangeIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Accounts accounts;

	@Autowired
	JdbcClient database;

	@Autowired
	PlatformTransactionManager txManager;

	private long emailChangedNotices(String accountId) {
		return database.sql("SELECT count(*) FROM notices WHERE type = 'EMAIL_CHANGED' AND account_id = :account")
			.param("account", accountId)
			.query(Long.class)
			.single();
	}

	@Test
	void anEmailChangeThatRollsBackLeavesNoEmailChangedNoticeAndOneThatCommitsLeavesOne() {
		String account = fixtures.account();
		String previous = accounts.get(account).email();
		String next = Fixtures.uniqueEmail();
		TransactionTemplate change = new TransactionTemplate(txManager);

		Long seenInTheChange = change.execute(status -> {
			accounts.changeEmail(account, next);
			long seen = emailChangedNotices(account);
			status.setRollbackOnly();
			return seen;
		});

		assertThat(seenInTheChange).as("stored in the change's transaction, before it ends").isEqualTo(1);
		assertThat(accounts.get(account).email()).isEqualTo(previous);
		assertThat(emailChangedNotices(account)).as("after the rollback").isZero();

		change.executeWithoutResult(status -> accounts.changeEmail(account, next));

		assertThat(emailChangedNotices(account)).as("after a commit").isEqualTo(1);
		assertThat(database.sql("SELECT recipient FROM notices WHERE type = 'EMAIL_CHANGED' AND account_id = :account")
			.param("account", account)
			.query(String.class)
			.single()).as("told at the previous address").isEqualTo(previous);
	}
}
