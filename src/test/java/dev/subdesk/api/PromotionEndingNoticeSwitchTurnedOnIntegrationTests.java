package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ChildServer;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.JsonNode;

/**
 * R-CA-6's notice of a promotion's end and R-CARD-3's pre-billing notice share one mark per renewal
 * ({@code billing_noticed_for}): while {@code subdesk.compliance.pre-billing-notice} is off, a discounted year of a
 * customer outside the jurisdictions listing R-CA-6 is neither told nor marked, so that the switch turned on before
 * its renewal (a server started with it, on the same database) still sends its UPCOMING_CHARGE.
 */
@SubdeskIntegrationTest
class PromotionEndingNoticeSwitchTurnedOnIntegrationTests {

	@Autowired
	DataSource testDatabase;

	@TempDir
	Path logs;

	@Test
	void aDiscountedYearOutsideR_CA_6IsNotMarkedWhileTheSwitchIsOffAndGetsItsUpcomingChargeOnceItIsOn()
			throws Exception {
		String url = ChildServer.newDatabase(testDatabase, "promotion_switch_");
		ChildServer off = null;
		ChildServer on = null;
		try {
			off = ChildServer.start(url, logs.resolve("off.log"));
			Fixtures fixtures = new Fixtures(off.api());
			String account = fixtures.account("US", "TX");
			fixtures.card(account, "tok_visa");
			String yearly = fixtures.subscribe(account, "vpn-annual");
			JsonNode quote = off.api().post("/subscriptions/" + yearly + "/cancellation-quote", Map.of()).json();
			String offer = quote.path("offer").path("id").asString();
			assertThat(offer).as(quote.toString()).isNotBlank();
			assertThat(off.api().post("/offers/" + offer + "/accept").status()).isEqualTo(200);
			// the discounted renewal, then into the 7 days before the full price, the switch off all along
			fixtures.advance(Duration.between(fixtures.now(), periodEnd(fixtures, yearly)).plusHours(1));
			Instant fullPrice = periodEnd(fixtures, yearly);
			fixtures.advance(Duration.between(fixtures.now(), fullPrice).minusDays(5));
			assertThat(fixtures.charges(account)).extracting(c -> c.path("amount").asLong())
				.containsExactly(3749L, 4999L);
			assertThat(fixtures.notices(account, "UPCOMING_CHARGE")).as("US-TX: no R-CA-6, and the switch is off")
				.isEmpty();
			JdbcClient database = JdbcClient.create(new DriverManagerDataSource(url, "postgres", ""));
			assertThat(database.sql("SELECT billing_noticed_for IS NULL FROM subscriptions WHERE id = :id")
				.param("id", yearly)
				.query(Boolean.class)
				.single()).as("not marked: no notice went out").isTrue();
			Instant reached = fixtures.now();
			off.stop();
			off = null;

			on = ChildServer.start(url, logs.resolve("on.log"), "--subdesk.compliance.pre-billing-notice=true");
			Fixtures switchedOn = new Fixtures(on.api());
			switchedOn.advance(Duration.between(switchedOn.now(), reached).plusMinutes(1));
			assertThat(switchedOn.notices(account, "UPCOMING_CHARGE")).as("the switch on 5 days before the renewal")
				.hasSize(1)
				.allSatisfy(n -> assertThat(n.path("relatedId").asString()).isEqualTo(yearly));
			switchedOn.advance(Duration.between(switchedOn.now(), fullPrice).plusHours(1));
			assertThat(switchedOn.charges(account)).extracting(c -> c.path("amount").asLong())
				.containsExactly(4999L, 3749L, 4999L);
			assertThat(switchedOn.notices(account, "UPCOMING_CHARGE")).as("once per renewal").hasSize(1);
		}
		finally {
			for (ChildServer node : new ChildServer[] { off, on }) {
				if (node != null) {
					node.stop();
				}
			}
			ChildServer.dropDatabase(testDatabase, url);
		}
	}

	private static Instant periodEnd(Fixtures fixtures, String subscription) {
		return Instant.parse(fixtures.subscription(subscription).text("currentPeriodEnd"));
	}
}
