package dev.subdesk.console;

import static dev.subdesk.console.ConsoleReportsIntegrationTests.cell;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The reports' day ranges are UTC days, both included: what happened at 00:00:00.000 on the first day and at
 * 23:59:59.999 on the last is counted, once, and not in the neighbouring days' reports; refund sums stay apart
 * per currency.
 */
class ConsoleReportBoundariesIntegrationTests extends ApiIntegrationTest {

	/** A day long past, so that only this test's rows fall in it and next to it. */
	private static final String DAY = "2003-03-02";

	private static final Instant FIRST = Instant.parse(DAY + "T00:00:00Z");

	private static final Instant LAST = Instant.parse(DAY + "T23:59:59.999Z");

	@Autowired
	JdbcClient jdbc;

	@Test
	void whatHappensAtTheFirstAndLastMomentOfTheRangeIsCountedOnceAndCurrenciesAreNotMixed() {
		String first = fixtures.subscribe(fixtures.accountWithVisa(), "vpn-annual");
		String last = fixtures.subscribe(fixtures.accountWithVisa(), "total-annual");
		String firstCancellation = fixtures.cancel(first, "IMMEDIATE").text("confirmationNumber");
		String lastCancellation = fixtures.cancel(last, "IMMEDIATE").text("confirmationNumber");
		String firstCase = ConsoleClient.signedIn(port, "agent").callCase(api, fixtures.accountWithVisa());
		String lastCase = ConsoleClient.signedIn(port, "agent").callCase(api, fixtures.accountWithVisa());
		move("cancellations", "requested_at", "confirmation_number", firstCancellation, FIRST);
		move("cancellations", "requested_at", "confirmation_number", lastCancellation, LAST);
		moveRefundOf(first, FIRST, "USD");
		moveRefundOf(last, LAST, "EUR");
		move("support_cases", "created_at", "case_number", firstCase, FIRST);
		move("support_cases", "created_at", "case_number", lastCase, LAST);
		jdbc.sql("UPDATE support_cases SET resolved_at = :at, status = 'RESOLVED' WHERE case_number = :n")
			.param("at", Timestamp.from(LAST)).param("n", firstCase).update();
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");

		String day = supervisor.get("/console/reports?from=" + DAY + "&to=" + DAY).body();
		String around = supervisor.get("/console/reports?from=2003-03-01&to=2003-03-03").body();
		String before = supervisor.get("/console/reports?from=2003-02-01&to=2003-03-01").body();
		String after = supervisor.get("/console/reports?from=2003-03-03&to=2003-04-01").body();

		for (String page : List.of(day, around)) {
			assertThat(page).contains("Cancellations requested: <span>2</span>");
			assertThat(cell(page, "by-channel", "API")).isEqualTo(2);
			assertThat(cell(page, "refund-totals", "USD")).isEqualTo(1);
			assertThat(cell(page, "refund-totals", "EUR")).isEqualTo(1);
			assertThat(sum(page, "USD")).isEqualTo("$49.99");
			assertThat(sum(page, "EUR")).isEqualTo("119.99 EUR");
			assertThat(cell(page, "cases", "Opened")).isEqualTo(2);
			assertThat(cell(page, "cases", "Resolved")).isEqualTo(1);
		}
		for (String page : List.of(before, after)) {
			assertThat(page).contains("Cancellations requested: <span>0</span>", "No refund was issued in this range.");
			assertThat(cell(page, "cases", "Opened")).isZero();
			assertThat(cell(page, "cases", "Resolved")).isZero();
		}
	}

	private void move(String table, String column, String key, String value, Instant at) {
		assertThat(jdbc.sql("UPDATE " + table + " SET " + column + " = :at WHERE " + key + " = :v")
			.param("at", Timestamp.from(at)).param("v", value).update()).isOne();
	}

	/** Moves the refund of the subscription's cancellation to the instant, in the currency given. */
	private void moveRefundOf(String subscription, Instant at, String currency) {
		assertThat(jdbc.sql("""
				UPDATE refunds SET created_at = :at, currency = :currency
				WHERE charge_id IN (SELECT id FROM charges WHERE subscription_id = :sub)
				""").param("at", Timestamp.from(at)).param("currency", currency).param("sub", subscription).update()).isOne();
	}

	/** The sum of the refunds in one currency, as the totals table writes it. */
	private static String sum(String page, String currency) {
		Matcher m = Pattern.compile("<th scope=\"row\">" + currency + "</th>\\s*<td>\\d+</td>\\s*<td>([^<]+)</td>")
			.matcher(page);
		assertThat(m.find()).as(currency + " row").isTrue();
		return m.group(1);
	}
}
