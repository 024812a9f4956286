package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every notice says how to cancel (API.md, Notices): for a subscription an app store bills, which neither the portal
 * nor the public {@code /cancel} form can cancel, that is the store's steps, not the portal's "Cancel" or the form;
 * the official support channels are named all the same. A subscription Acme bills keeps the usual footer.
 */
class StoreBilledNoticeFootersIntegrationTests extends ApiIntegrationTest {

	private String orderConfirmation(String account) {
		return fixtures.notices(account, "ORDER_CONFIRMATION").getFirst().path("body").asString();
	}

	private String storePurchase(String account, String channel) {
		Api.Response store = api.post("/subscriptions",
				Map.of("accountId", account, "planCode", "antivirus-annual", "channel", channel));
		assertThat(store.status()).as(store.toString()).isEqualTo(201);
		return store.id();
	}

	@Test
	void aStoreBilledPurchasesOrderConfirmationSaysToCancelInTheStoreAndDoesNotSendTheCustomerToTheCancelForm() {
		String account = fixtures.account("US", "NY");
		storePurchase(account, "APP_STORE");

		String body = orderConfirmation(account);
		assertThat(body).contains("This subscription is billed by the App Store, not by Acme")
			.contains("How to cancel: this subscription is billed by the App Store, not by Acme, and only the App Store "
					+ "can cancel it:")
			.contains("- Choose Subscriptions and select the Acme subscription.")
			.contains("- Choose Cancel subscription and confirm.")
			.contains("Official Acme support: the help centre at ")
			.contains("never charges a fee to cancel.");
		assertThat(body).as("neither the portal's Cancel nor the public form can cancel it")
			.doesNotContain("/cancel")
			.doesNotContain("/portal")
			.doesNotContain("Cancel contracts here");
	}

	@Test
	void inGermanTheStoresStepsAreGermanToo() {
		String account = fixtures.account("DE", null);
		storePurchase(account, "GOOGLE_PLAY");

		String body = orderConfirmation(account);
		assertThat(body).contains("So kündigen Sie: Dieses Abonnement rechnet Google Play ab, nicht Acme; kündigen "
				+ "können Sie es nur dort:")
			.contains("- Wählen Sie „Abo kündigen“ und bestätigen Sie.")
			.contains("Offizieller Acme-Support: das Hilfe-Center unter ")
			.doesNotContain("/cancel")
			.doesNotContain("Verträge hier kündigen")
			.doesNotContain("How to cancel");
	}

	@Test
	void aDirectPurchaseKeepsTheUsualFooterEvenOnAnAccountThatAlsoHasAStoreBilledOne() {
		String account = fixtures.account("US", "NY");
		fixtures.card(account, "tok_visa");
		storePurchase(account, "APP_STORE");
		fixtures.subscribe(account, "antivirus-monthly");

		String body = orderConfirmation(account);
		assertThat(body).contains("You paid")
			.containsPattern("How to cancel: sign in at \\S+/portal and choose \"Cancel\", or use \"Cancel contracts "
					+ "here\" at \\S+/cancel without signing in\\.")
			.contains("Official Acme support: the help centre at ")
			.doesNotContain("billed by the App Store");
	}
}
