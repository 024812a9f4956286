package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An address with letters outside ASCII is one address in any letter case (and, typed, in any Unicode normal form):
 * a customer whose account has {@code Élodie.Dupont@exämple.test} signs in, is found, is the owner of their contract
 * in a public form, cannot have a second account and has what they typed erased at their closure, all with
 * {@code élodie.dupont@EXÄMPLE.test}. Subclasses give the server (its database's locale) and how the address is typed.
 */
abstract class NonAsciiEmailAddressScenarios {

	abstract int port();

	abstract JdbcClient jdbc();

	abstract Accounts accounts();

	/** {@code lowerLocalUpperDomain} (é… @EXÄMPLE.test) as the customer types it. */
	abstract String typed(String lowerLocalUpperDomain);

	private Api api() {
		return new Api(port());
	}

	private Fixtures fixtures() {
		return new Fixtures(api());
	}

	/** The account's address and, typed in another case, the customer's; both unique to the test. */
	private record Address(String tag, String stored, String typed) {
	}

	private Address address() {
		String tag = UUID.randomUUID().toString().substring(0, 8);
		return new Address(tag, "Élodie.Dupont+" + tag + "@exämple.test", typed("élodie.dupont+" + tag + "@EXÄMPLE.test"));
	}

	private String open(Address address) {
		Api.Response created = api().post("/accounts", Map.of("email", address.stored(), "name", "Élodie " + address.tag(),
				"country", "IE"));
		assertThat(created.status()).as(created.raw()).isEqualTo(201);
		return created.text("id");
	}

	@Test
	void theCustomerSignsInWithTheAddressInAnotherCase() {
		Address address = address();
		String account = open(address);
		PortalSession session = new PortalSession(port()).requestCode(address.typed());
		PortalSession.Page signedIn = session.post("/portal/sign-in/code",
				Map.of("code", PortalSession.latestCode(api(), account)));
		assertThat(signedIn.location()).as(signedIn.body()).endsWith("/portal");
		assertThat(session.get("/portal").status()).as("the session holds with the address typed").isEqualTo(200);
	}

	@Test
	void theAccountIsFoundByTheAddressInAnotherCase() {
		Address address = address();
		String account = open(address);
		Api.Response found = api().get("/accounts?email=" + URLEncoder.encode(address.typed(), StandardCharsets.UTF_8));
		assertThat(found.json().path("data").values().stream().map(a -> a.path("id").asString()).toList())
			.containsExactly(account);
	}

	@Test
	void aSecondAccountWithTheAddressInAnotherCaseIsADuplicate() {
		Address address = address();
		open(address);
		Api.Response second = api().post("/accounts", Map.of("email", address.typed(), "name", "Other", "country", "IE"));
		assertThat(second.status()).as(second.raw()).isEqualTo(409);
		assertThat(second.text("code")).isEqualTo("EMAIL_TAKEN");
		String another = fixtures().account();
		assertThatThrownBy(() -> accounts().changeEmail(another, address.typed()))
			.as("another account's address changed to it").isInstanceOfSatisfying(SubdeskException.class,
					e -> assertThat(e.code()).isEqualTo("EMAIL_TAKEN"));
	}

	@Test
	void aPublicRequestTypedWithTheAddressInAnotherCaseIsTheOwners() {
		Address address = address();
		String account = open(address);
		fixtures().card(account, "tok_visa");
		String order = fixtures().subscription(fixtures().subscribe(account, "vpn-annual")).text("orderNumber");
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Élodie", "email", address.typed(),
				"orderNumber", order, "timing", "EARLIEST", "confirmationEmail", address.typed())), "/cancel/received/");
		assertThat(jdbc().sql("SELECT owners FROM public_cancellation_requests WHERE order_number = :o")
			.param("o", order).query(Boolean.class).list()).as("the owner's own request").containsExactly(true);
		assertThat(jdbc().sql("SELECT count(*) FROM support_cases WHERE account_id = :a").param("a", account)
			.query(Long.class).single()).as("no case for an agent to check").isZero();
	}

	@Test
	void closingErasesWhatWasTypedWithTheAddressInAnotherCase() {
		Address address = address();
		String account = open(address);
		String other = fixtures().account("IE", null);
		fixtures().card(other, "tok_visa");
		String othersOrder = fixtures().subscription(fixtures().subscribe(other, "vpn-annual")).text("orderNumber");
		sendFormsAbout(othersOrder, address);
		assertThat(traces(address)).as("typed with the address").isNotEmpty();

		assertThat(api().post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		assertThat(traces(address)).as("still holding what was typed with the address after closing").isEmpty();
	}

	@Test
	void closingErasesWhatWasTypedWithAPreviousAddressInAnotherCase() {
		Address address = address();
		String account = open(address);
		String other = fixtures().account("IE", null);
		fixtures().card(other, "tok_visa");
		String othersOrder = fixtures().subscription(fixtures().subscribe(other, "vpn-annual")).text("orderNumber");
		sendFormsAbout(othersOrder, address);
		accounts().changeEmail(account, "moved+" + address.tag() + "@example.test");

		assertThat(api().post("/accounts/" + account + "/close", Map.of()).status()).isEqualTo(200);

		assertThat(traces(address)).as("still holding what was typed with the previous address after closing")
			.isEmpty();
	}

	/** Both public forms about {@code order} (someone else's contract), typed with the customer's address. */
	private void sendFormsAbout(String order, Address address) {
		publicForm("/cancel", new HashMap<>(Map.of("kind", "ORDINARY", "name", "Élodie " + address.tag(), "email",
				address.typed(), "orderNumber", order, "timing", "EARLIEST", "confirmationEmail", address.typed())),
				"/cancel/received/");
		publicForm("/withdraw", PortalWithdrawalIntegrationTests.form("Élodie " + address.tag(), address.typed(), order),
				"/withdraw/received/");
	}

	/** Where the address's tag (ASCII, in the local part) is still written: the forms' rows, cases and notices. */
	private List<String> traces(Address address) {
		List<String> found = new java.util.ArrayList<>();
		for (String column : List.of("public_cancellation_requests.email", "public_cancellation_requests.confirmation_email",
				"public_withdrawal_requests.email", "support_cases.detail", "notices.recipient")) {
			String[] parts = column.split("\\.");
			long rows = jdbc().sql("SELECT count(*) FROM %s WHERE strpos(%s, :tag) > 0".formatted(parts[0], parts[1]))
				.param("tag", "+" + address.tag() + "@")
				.query(Long.class)
				.single();
			if (rows > 0) {
				found.add(column + " (" + rows + " rows)");
			}
		}
		return found;
	}

	private void publicForm(String path, Map<String, String> form, String resultPrefix) {
		PortalSession session = new PortalSession(port());
		session.get(path);
		PortalSession.Page sent = session.post(path, form);
		assertThat(sent.location()).as(sent.body()).contains(resultPrefix);
	}
}
