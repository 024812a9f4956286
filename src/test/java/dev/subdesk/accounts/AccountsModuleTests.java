package dev.subdesk.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.ModuleTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.modulith.test.PublishedEvents;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The accounts boot with the payment gateway and the clock only: an account opened and closed publishes its two
 * domain changes (the API's recorder, not booted here, turns them into events as the API shows the account) and the
 * closure that the other modules erase their copies on; a card is described by the gateway; closing erases the
 * customer's name, email, postcode and cards.
 */
@ModuleTest(extraIncludes = { "clock", "payments" })
class AccountsModuleTests {

	@Autowired
	Accounts accounts;

	@Autowired
	TransactionTemplate transactions;

	@Test
	void anAccountOpensWithACardAndClosesErasedPublishingItsChanges(PublishedEvents published) {
		String email = "module-" + UUID.randomUUID() + "@example.com";
		Account account = accounts.open(email, "Module Customer", "US", "CA");
		assertThat(account.status()).isEqualTo(Account.Status.ACTIVE);
		assertThatThrownBy(() -> accounts.open(email, "Again", "US", null)).isInstanceOf(SubdeskException.class);

		PaymentMethod card = accounts.addPaymentMethod(account.id(), "tok_visa", "94105");
		assertThat(card.last4()).isEqualTo("4242");
		assertThat(card.isDefault()).isTrue();
		assertThatThrownBy(() -> accounts.addPaymentMethod(account.id(), "tok_nothing"))
			.isInstanceOf(SubdeskException.class);

		Account closed = transactions.execute(tx -> accounts.closeAndErase(account.id()));
		assertThat(closed.status()).isEqualTo(Account.Status.CLOSED);
		assertThat(closed.email()).isEqualTo(Account.tombstoneEmail(account.id()));
		assertThat(closed.name()).doesNotContain("Module");
		assertThat(accounts.paymentMethods(account.id())).isEmpty();
		assertThat(accounts.billingPostcodes(account.id())).isEmpty();

		assertThat(published.ofType(DomainChange.class)
			.matching(change -> change.resource() instanceof Account a && a.id().equals(account.id())))
			.extracting(DomainChange::type)
			.containsExactly(EventType.ACCOUNT_CREATED, EventType.ACCOUNT_CLOSED);
		assertThat(published.ofType(AccountClosed.class).matching(c -> c.accountId().equals(account.id())))
			.singleElement()
			.satisfies(c -> assertThat(c.toString()).doesNotContain(email));
	}
}
