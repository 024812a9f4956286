package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The supervisors' reports over real data: every figure is read before and after the test's own actions, since
 * the database is shared by the whole test run.
 */
class ConsoleReportsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	Clock clock;

	@Test
	void cancellationsOffersRefundsAndCasesOfTheRangeAreCounted() {
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String range = range();
		String before = supervisor.get("/console/reports" + range).body();

		String minnesota = fixtures.account("US", "MN");
		fixtures.card(minnesota, "tok_visa");
		String refunded = fixtures.subscribe(minnesota, "vpn-annual");
		api.post("/subscriptions/" + refunded + "/cancel", Map.of("mode", "IMMEDIATE", "reason", "TOO_EXPENSIVE"));
		String offered = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		assertThat(api.post("/subscriptions/" + offered + "/cancellation-quote", Map.of()).json().path("offer").isObject())
			.isTrue();
		fixtures.cancel(offered, "END_OF_TERM");
		ConsoleClient.signedIn(port, "agent").callCase(api, fixtures.accountWithVisa());

		String after = supervisor.get("/console/reports" + range).body();

		assertThat(cell(after, "by-reason", "Too expensive")).isEqualTo(cell(before, "by-reason", "Too expensive") + 1);
		assertThat(cell(after, "by-reason", "Not given")).isEqualTo(cell(before, "by-reason", "Not given") + 1);
		assertThat(cell(after, "by-channel", "API")).isEqualTo(cell(before, "by-channel", "API") + 2);
		assertThat(cell(after, "by-mode", "Immediate")).isEqualTo(cell(before, "by-mode", "Immediate") + 1);
		assertThat(cell(after, "by-mode", "End of term")).isEqualTo(cell(before, "by-mode", "End of term") + 1);
		assertThat(cell(after, "offers", "Discount")).isEqualTo(cell(before, "offers", "Discount") + 1);
		assertThat(cell(after, "refund-totals", "USD")).isEqualTo(cell(before, "refund-totals", "USD") + 1);
		assertThat(after).contains("Money-back guarantee: cancelled within 60 days of the charge");
		assertThat(cell(after, "cases", "Opened")).isEqualTo(cell(before, "cases", "Opened") + 1);
		assertThat(after).contains("<svg", "role=\"img\"", "<title id=\"chart-reason-title\">Cancellations by reason</title>");
	}

	@Test
	void theRefundSumIsMoneyInMinorUnitsAndResolvedCasesAndServiceLevelBreachesAreCounted() {
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		String sub = fixtures.subscribe(fixtures.accountWithVisa(), "total-annual");
		String today = "/console/reports?from=" + today() + "&to=" + today();
		long centsBefore = usdRefunded(supervisor.get(today).body());
		fixtures.cancel(sub, "IMMEDIATE");
		assertThat(usdRefunded(supervisor.get(today).body())).isEqualTo(centsBefore + 11999);
		assertThat(supervisor.get("/console/reports?from=2000-01-01&to=2000-01-31").body())
			.contains("No refund was issued in this range.", "Cancellations requested: <span>0</span>");

		// Past every service-level due time of the cases other tests opened, so only this test's cases fall due.
		fixtures.advance(java.time.Duration.ofDays(5));
		String range = "?from=" + today() + "&to=" + today().plusDays(2);
		String before = supervisor.get("/console/reports" + range).body();
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String answered = agent.callCase(api, fixtures.accountWithVisa());
		agent.post("/console/cases/" + answered + "/assign", Map.of());
		agent.post("/console/cases/" + answered + "/resolve", Map.of("note", "Answered at once"));
		agent.callCase(api, fixtures.accountWithVisa());
		fixtures.advance(java.time.Duration.ofHours(25));

		String after = supervisor.get("/console/reports" + range).body();
		assertThat(cell(after, "cases", "Opened")).isEqualTo(cell(before, "cases", "Opened") + 2);
		assertThat(cell(after, "cases", "Resolved")).isEqualTo(cell(before, "cases", "Resolved") + 1);
		assertThat(cell(after, "cases", BREACHES)).isEqualTo(cell(before, "cases", BREACHES) + 1);
	}

	private static final String BREACHES = "SLA breaches (answer due in the range and missed)";

	@Test
	void theDefaultRangeIsTheLastThirtyDaysByTheClock() {
		String page = ConsoleClient.signedIn(port, "admin").get("/console/reports").body();
		LocalDate today = today();

		assertThat(page).contains("value=\"" + today.minusDays(29) + "\"", "value=\"" + today + "\"");
	}

	@Test
	void aBadRangeIsAFriendlyErrorAndNoReport() {
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");

		for (String query : new String[] { "?from=2026-13-01&to=2026-12-01", "?from=yesterday", "?from=2026-05-02&to=2026-05-01",
				"?from=2020-01-01&to=2026-01-01", "?from=%2B999999999-01-01&to=2026-01-01", "?from=0001-01-01&to=0001-01-02" }) {
			ConsoleClient.Page page = supervisor.get("/console/reports" + query);
			assertThat(page.status()).as(query).isEqualTo(400);
			assertThat(page.body()).as(query).contains("role=\"alert\"").doesNotContain("id=\"cancellations-heading\"");
		}
		assertThat(supervisor.get("/console/reports?from=2026-05-02&to=2026-05-01").body())
			.contains("The start date must not be after the end date.");
		assertThat(supervisor.get("/console/reports?from=2020-01-01&to=2026-01-01").body())
			.contains("Choose a range of at most 366 days.");
	}

	@Test
	void anAgentCannotOpenTheReports() {
		assertThat(ConsoleClient.signedIn(port, "agent").get("/console/reports").status()).isEqualTo(403);
	}

	private LocalDate today() {
		return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
	}

	/** Yesterday to tomorrow by the clock: wide enough for what a test does now, whatever the hour. */
	private String range() {
		return "?from=" + today().minusDays(1) + "&to=" + today().plusDays(1);
	}

	/** The sum of the USD refunds as the page writes it ({@code $1234.56} read as cents); 0 when there is none. */
	private static long usdRefunded(String page) {
		Matcher m = Pattern.compile("<th scope=\"row\">USD</th>\\s*<td>\\d+</td>\\s*<td>\\$(\\d+)\\.(\\d{2})</td>")
			.matcher(page);
		return m.find() ? Long.parseLong(m.group(1)) * 100 + Long.parseLong(m.group(2)) : 0;
	}

	/** The number in the row labelled {@code label} of the table {@code tableId}; 0 when the row is not there. */
	static long cell(String page, String tableId, String label) {
		int table = page.indexOf("id=\"" + tableId + "\"");
		if (table < 0) {
			return 0;
		}
		String body = page.substring(table, page.indexOf("</table>", table));
		Matcher m = Pattern.compile("<th scope=\"row\">" + Pattern.quote(label) + "</th>\\s*<td[^>]*>(\\d+)</td>").matcher(body);
		return m.find() ? Long.parseLong(m.group(1)) : 0;
	}
}
