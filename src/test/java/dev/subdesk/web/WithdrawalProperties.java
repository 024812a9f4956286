package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.properties.SubdeskServer;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;

/**
 * The withdrawal's refund over real HTTP: whatever the contract (a base plan, maybe an add-on), whenever in the
 * 14 days and whatever was refunded before, withdrawing refunds exactly what is left of every charge of the
 * contract and what ends with it: in the end each charge is refunded in full, never more.
 */
class WithdrawalProperties {

	private static final Map<String, List<String>> ADD_ONS = Map.of("antivirus-annual",
			List.of("", "identity-addon-annual", "vpn-addon-monthly"), "antivirus-monthly", List.of("", "vpn-addon-monthly"),
			"total-annual", List.of("", "identity-addon-annual"), "vpn-annual", List.of(""), "utilities-annual", List.of(""));

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

	/** A contract, the hours between its purchase and the withdrawal, and the per-mille refunded by hand before. */
	record Setup(String basePlan, String addOnPlan, int hoursLater, int earlierRefundPerMille) {
	}

	@Provide
	Arbitrary<Setup> setups() {
		Arbitrary<String> bases = Arbitraries.of(ADD_ONS.keySet());
		return bases.flatMap(base -> Combinators.combine(Arbitraries.of(ADD_ONS.get(base)),
				Arbitraries.integers().between(0, 14 * 24 - 1), Arbitraries.integers().between(0, 999))
			.as((addOn, hours, perMille) -> new Setup(base, addOn, hours, perMille)));
	}

	@Property(tries = 12)
	void aWithdrawalRefundsWhatIsLeftOfEveryChargeOfTheContractAndNeverMore(@ForAll("setups") Setup setup) {
		String account = fixtures.account("FR", null);
		fixtures.card(account, "tok_visa");
		String base = fixtures.subscribe(account, setup.basePlan());
		if (!setup.addOnPlan().isEmpty()) {
			fixtures.addOn(account, setup.addOnPlan(), base);
		}
		List<JsonNode> before = charges(account);
		long paid = before.stream().mapToLong(c -> c.path("amount").asLong()).sum();
		JsonNode baseCharge = before.stream().filter(c -> base.equals(c.path("subscriptionId").asString())).findFirst().orElseThrow();
		long earlier = baseCharge.path("amount").asLong() * setup.earlierRefundPerMille() / 1000;
		if (earlier > 0) {
			assertThat(api.post("/charges/" + baseCharge.path("id").asString() + "/refunds",
					Map.of("amount", earlier, "reason", "goodwill")).status()).isEqualTo(201);
		}
		if (setup.hoursLater() > 0) {
			fixtures.advance("PT" + setup.hoursLater() + "H");
		}

		PortalSession session = new PortalSession(server.port());
		session.get("/withdraw");
		String email = api.get("/accounts/" + account).text("email");
		assertThat(session.post("/withdraw", Map.of("name", "Test Customer", "email", email, "orderNumber",
				fixtures.subscription(base).text("orderNumber"))).status()).isEqualTo(302);

		List<JsonNode> after = charges(account);
		assertThat(after).hasSameSizeAs(before).allSatisfy(c -> {
			assertThat(c.path("refundedAmount").asLong()).isEqualTo(c.path("amount").asLong());
			assertThat(c.path("status").asString()).isEqualTo("REFUNDED");
		});
		String ack = api.get("/accounts/" + account + "/notices?limit=50").json().path("data").values().stream()
			.filter(n -> "WITHDRAWAL_ACKNOWLEDGEMENT".equals(n.path("type").asString()))
			.map(n -> n.path("body").asString())
			.findFirst()
			.orElseThrow();
		String number = ack.replaceAll("(?s).*Record of the ending: (CXL-.{4}-.{4}).*", "$1");
		JsonNode cancellation = api.get("/cancellations/" + number).json();
		assertThat(cancellation.path("refundTotal").path("amount").asLong()).isEqualTo(paid - earlier);
		assertThat(cancellation.path("subscriptions").size()).isEqualTo(setup.addOnPlan().isEmpty() ? 1 : 2);
	}

	private static List<JsonNode> charges(String account) {
		return api.get("/accounts/" + account + "/charges?limit=50").json().path("data").values().stream().toList();
	}
}
