package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, R-US-2: no subscription in a consent-requiring jurisdiction (the US) exists without its consent record,
 * whatever purchases are tried (with or without consent, with a disclosure of another plan or account, a used or
 * expired one, store-billed or direct); each record holds the disclosure's exact text and its SHA-256.
 */
class ConsentProperties {

	private static SubdeskServer server;
	private static Api api;
	private static Fixtures fixtures;

	@BeforeContainer
	static void startServer() {
		server = SubdeskServer.start();
		api = server.api();
		fixtures = server.fixtures();
	}

	@AfterContainer
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	record Customer(String country, String region) {

		boolean consentRequired() {
			return country.equals("US");
		}
	}

	/** How a purchase attempt treats consent. */
	enum Consent {
		NONE, VALID, OTHER_PLAN, OTHER_ACCOUNT, USED, EXPIRED, UNKNOWN
	}

	record Attempt(String plan, Consent consent, boolean store) {
	}

	@Provide
	Arbitrary<Customer> customers() {
		return Arbitraries.of(new Customer("US", "CA"), new Customer("US", "NY"), new Customer("US", "TX"),
				new Customer("US", ""), new Customer("DE", ""), new Customer("GB", ""), new Customer("FR", ""));
	}

	@Provide
	Arbitrary<List<Attempt>> attempts() {
		Arbitrary<Attempt> attempt = net.jqwik.api.Combinators
			.combine(Arbitraries.of("antivirus-annual", "antivirus-monthly", "vpn-annual", "utilities-annual"),
					Arbitraries.of(Consent.class), Arbitraries.of(true, false, false, false))
			.as(Attempt::new);
		return attempt.list().ofMinSize(1).ofMaxSize(5);
	}

	@Property(tries = 25)
	void noSubscriptionInAConsentRequiringJurisdictionExistsWithoutItsConsentRecord(
			@ForAll("customers") Customer customer, @ForAll("attempts") List<Attempt> attempts) throws Exception {
		String account = fixtures.account(customer.country(), customer.region().isEmpty() ? null : customer.region());
		fixtures.card(account, "tok_visa");
		String stranger = fixtures.account("US", "CA");
		String used = null;
		for (Attempt attempt : attempts) {
			Map<String, Object> body = new HashMap<>(Map.of("accountId", account, "planCode", attempt.plan()));
			if (attempt.store()) {
				body.put("channel", "APP_STORE");
			}
			String disclosure = switch (attempt.consent()) {
				case NONE -> null;
				case VALID, EXPIRED -> disclosure(account, attempt.plan());
				case OTHER_PLAN -> disclosure(account, attempt.plan().equals("vpn-annual") ? "antivirus-annual" : "vpn-annual");
				case OTHER_ACCOUNT -> disclosure(stranger, attempt.plan());
				case USED -> used != null ? used : "dsc_neverissued";
				case UNKNOWN -> "dsc_neverissued";
			};
			if (attempt.consent() == Consent.EXPIRED) {
				fixtures.advance("PT1H");
			}
			if (disclosure != null) {
				body.put("consent", Map.of("disclosureId", disclosure, "method", "BUTTON"));
			}
			Api.Response bought = api.post("/subscriptions", body);
			boolean valid = attempt.consent() == Consent.VALID
					|| attempt.consent() == Consent.NONE && (attempt.store() || !customer.consentRequired());
			assertThat(bought.status()).as("%s %s", attempt, bought).isEqualTo(valid ? 201 : 400);
			if (bought.status() == 201 && disclosure != null) {
				used = disclosure;
			}
			Statistics.label("outcome").collect(bought.status());
		}

		for (JsonNode s : api.get("/accounts/" + account + "/subscriptions?limit=100").json().path("data")) {
			List<JsonNode> records = api.get("/subscriptions/" + s.path("id").asString() + "/consents")
				.json()
				.path("data")
				.values()
				.stream()
				.toList();
			assertThat(records).hasSizeLessThanOrEqualTo(1);
			if (customer.consentRequired() && s.path("channel").asString().equals("DIRECT")) {
				assertThat(records).as("the consent of %s", s.path("id").asString()).hasSize(1);
			}
			for (JsonNode record : records) {
				assertThat(record.path("textSha256").asString()).isEqualTo(sha256(record.path("text").asString()));
				assertThat(record.path("text").asString()).contains("until you cancel");
			}
		}
	}

	private static String disclosure(String account, String plan) {
		return fixtures.disclosure(account, plan, null);
	}

	private static String sha256(String text) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
	}
}
