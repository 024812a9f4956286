package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;

/**
 * A free trial is never charged (issue 12), over real HTTP: whatever a customer does during it (cancel at once or
 * at its end, resume, switch auto-renewal, time passing), no charge is ever made before the trial's end nor for a
 * period that starts before it; a trial cancelled before its end is never charged at all; and a trial that reaches
 * its end auto-renewing is charged exactly once for its first paid period (or starts dunning with a declining card).
 */
class TrialProperties {

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

	sealed interface Action {
	}

	record Cancel(String mode) implements Action {
	}

	record Resume() implements Action {
	}

	record AutoRenew(boolean on) implements Action {
	}

	record Advance(int hours) implements Action {
	}

	@Provide
	Arbitrary<List<Action>> actions() {
		Arbitrary<Action> action = Arbitraries.frequencyOf(
				Tuple.of(2, Arbitraries.of("IMMEDIATE", "END_OF_TERM").map(Cancel::new)),
				Tuple.of(2, Arbitraries.just(new Resume())),
				Tuple.of(2, Arbitraries.of(true, false).map(AutoRenew::new)),
				Tuple.of(4, Arbitraries.integers().between(1, 200).map(Advance::new)));
		return action.list()
			.ofMinSize(1)
			.ofMaxSize(8);
	}

	@Property(tries = 15)
	void aTrialIsNeverChargedBeforeItEndsAndACancelledOneNever(@ForAll("actions") List<Action> actions,
			@ForAll("cards") String card) {
		String account = fixtures.account("US", "CA");
		fixtures.card(account, card);
		String sub = fixtures.subscribe(account, "vpn-monthly-trial");
		Instant trialEnd = Instant.parse(fixtures.subscription(sub).text("trialEndsAt"));
		boolean autoRenewingAtTheEnd = true;
		boolean cancelledBeforeTheEnd = false;
		for (Action action : actions) {
			Instant now = Instant.parse(api.get("/test-clock").text("now"));
			boolean inTrial = now.isBefore(trialEnd);
			Api.Response answer = switch (action) {
				case Cancel c -> fixtures.cancel(sub, c.mode());
				case Resume r -> api.post("/subscriptions/" + sub + "/resume", Map.of());
				case AutoRenew a -> api.patch("/subscriptions/" + sub, Map.of("autoRenew", a.on()));
				case Advance a -> api.post("/test-clock/advance", Map.of("duration", "PT" + a.hours() + "H"));
			};
			assertThat(answer.status()).as(action + ": " + answer).isLessThan(500);
			JsonNode s = fixtures.subscription(sub).json();
			if (inTrial && answer.status() == 200 && !(action instanceof Advance)) {
				autoRenewingAtTheEnd = s.path("autoRenew").asBoolean();
				cancelledBeforeTheEnd |= s.path("status").asString().equals("CANCELLED");
			}
		}
		if (Instant.parse(api.get("/test-clock").text("now")).isBefore(trialEnd)) {
			fixtures.advance("P15D");
		}

		List<JsonNode> charges = api.get("/accounts/" + account + "/charges?limit=100").json().path("data").values()
			.stream().toList();
		assertThat(charges).as("no charge before the trial's end, nor for a period starting before it")
			.allSatisfy(c -> {
				assertThat(Instant.parse(c.path("createdAt").asString())).isAfterOrEqualTo(trialEnd);
				assertThat(Instant.parse(c.path("periodStart").asString())).isAfterOrEqualTo(trialEnd);
			});
		if (cancelledBeforeTheEnd || !autoRenewingAtTheEnd) {
			assertThat(charges).as("a trial ended or set to end during the trial is never charged").isEmpty();
		}
		else {
			List<JsonNode> first = charges.stream()
				.filter(c -> Instant.parse(c.path("periodStart").asString()).equals(trialEnd))
				.toList();
			if (card.equals("tok_visa")) {
				assertThat(first).as("converted with one charge of the plan's price").singleElement()
					.satisfies(c -> {
						assertThat(c.path("status").asString()).as("paid (and maybe refunded since)").isNotEqualTo("FAILED");
						assertThat(c.path("amount").asLong()).isEqualTo(499);
					});
			}
			else {
				assertThat(first).as("a declining card: the conversion and its retries fail").isNotEmpty()
					.allSatisfy(c -> assertThat(c.path("status").asString()).isEqualTo("FAILED"));
			}
		}
	}

	@Provide
	Arbitrary<String> cards() {
		return Arbitraries.of("tok_visa", "tok_visa", "tok_chargeDeclined");
	}
}
