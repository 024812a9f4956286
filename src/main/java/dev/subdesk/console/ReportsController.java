package dev.subdesk.console;

import dev.subdesk.billing.RefundReport;
import dev.subdesk.cancellation.CancellationReport;
import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Tally;
import dev.subdesk.support.CaseReport;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The supervisors' reports for a range of days (UTC, both days included; by default the last 30 days up to
 * today by the clock): cancellations by reason, channel and mode, retention offers shown and accepted, refunds,
 * and cases opened, resolved and past their service level. Each as a table and a bar chart.
 */
@Controller
class ReportsController {

	static final int DEFAULT_DAYS = 30;

	static final int MAX_DAYS = 366;

	/** A row of the offers table. */
	record OfferRow(String kind, long shown, long accepted, String rate) {
	}

	/** A row of the refunds table: the sum formatted as money. */
	record RefundRow(String reason, long count, String sum) {
	}

	private final CancellationReport cancellations;
	private final RefundReport refunds;
	private final CaseReport cases;
	private final Clock clock;

	ReportsController(CancellationReport cancellations, RefundReport refunds, CaseReport cases, Clock clock) {
		this.cancellations = cancellations;
		this.refunds = refunds;
		this.cases = cases;
		this.clock = clock;
	}

	@GetMapping("/console/reports")
	String reports(@RequestParam(name = "from", required = false) @Nullable String fromParam,
			@RequestParam(name = "to", required = false) @Nullable String toParam, Model model,
			HttpServletResponse response) {
		LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
		String fromText = blank(fromParam) ? today.minusDays(DEFAULT_DAYS - 1).toString() : fromParam.strip();
		String toText = blank(toParam) ? today.toString() : toParam.strip();
		model.addAttribute("from", fromText);
		model.addAttribute("to", toText);
		LocalDate from = parse(fromText);
		LocalDate to = parse(toText);
		String error = from == null || to == null ? "Enter both dates as YYYY-MM-DD, for example " + today + "."
				: from.isAfter(to) ? "The start date must not be after the end date."
				: ChronoUnit.DAYS.between(from, to) + 1 > MAX_DAYS
						? "Choose a range of at most " + MAX_DAYS + " days." : null;
		if (error != null) {
			response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
			model.addAttribute("error", error);
			return "console/reports";
		}
		Instant start = from.atStartOfDay(ZoneOffset.UTC).toInstant();
		Instant end = to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
		model.addAttribute("range", Formats.date(start) + " to " + Formats.date(end.minusSeconds(1)));
		addCancellations(model, cancellations.between(start, end));
		addRefunds(model, refunds.between(start, end));
		addCases(model, cases.between(start, end));
		return "console/reports";
	}

	private static void addCancellations(Model model, CancellationReport.Figures figures) {
		model.addAttribute("cancellations", figures);
		model.addAttribute("byReason", readable(figures.byReason()));
		model.addAttribute("byChannel", figures.byChannel());
		model.addAttribute("byMode", readable(figures.byMode()));
		model.addAttribute("reasonChart", BarChart.of("chart-reason", "Cancellations by reason", entries(readable(figures.byReason()))));
		model.addAttribute("channelChart", BarChart.of("chart-channel", "Cancellations by channel",
				entries(figures.byChannel())));
		model.addAttribute("modeChart", BarChart.of("chart-mode", "Cancellations by mode", entries(readable(figures.byMode()))));
		List<OfferRow> offers = figures.offers()
			.stream()
			.map(o -> new OfferRow(label(o.kind()), o.shown(), o.accepted(),
					o.acceptedPerMille() / 10 + "." + o.acceptedPerMille() % 10 + " %"))
			.toList();
		model.addAttribute("offers", offers);
		model.addAttribute("offerChart", BarChart.of("chart-offers", "Retention offers shown and accepted",
				offers.stream()
					.flatMap(o -> java.util.stream.Stream.of(BarChart.Entry.count(o.kind() + " shown", o.shown()),
							BarChart.Entry.count(o.kind() + " accepted", o.accepted())))
					.toList()));
	}

	private static void addRefunds(Model model, RefundReport.Figures figures) {
		List<RefundRow> byReason = figures.byReason()
			.stream()
			.map(line -> new RefundRow(line.reason(), line.count(), Formats.money(line.sum())))
			.toList();
		model.addAttribute("refundCount", figures.count());
		model.addAttribute("refundTotals", figures.totals()
			.stream()
			.map(line -> new RefundRow(line.sum().currency(), line.count(), Formats.money(line.sum())))
			.toList());
		model.addAttribute("refundsByReason", byReason);
		model.addAttribute("otherRefunds", figures.otherReasons());
		model.addAttribute("refundChart", BarChart.of("chart-refunds", "Refunds by reason",
				byReason.stream().map(r -> new BarChart.Entry(r.reason(), r.count(), r.count() + " · " + r.sum())).toList()));
	}

	private static void addCases(Model model, CaseReport.Figures figures) {
		model.addAttribute("caseFigures", figures);
		model.addAttribute("casesByChannel", figures.openedByChannel());
		model.addAttribute("caseChart", BarChart.of("chart-cases", "Cases opened, resolved and past their service level",
				List.of(BarChart.Entry.count("Opened", figures.opened()), BarChart.Entry.count("Resolved", figures.resolved()),
						BarChart.Entry.count("SLA breaches", figures.slaBreaches()))));
	}

	private static List<Tally> readable(List<Tally> tallies) {
		return tallies.stream().map(t -> new Tally(label(t.key()), t.count())).toList();
	}

	private static List<BarChart.Entry> entries(List<Tally> tallies) {
		return tallies.stream().map(t -> BarChart.Entry.count(t.key(), t.count())).toList();
	}

	/** {@code NOT_USING} reads "Not using". */
	static String label(String code) {
		String words = code.replace('_', ' ').toLowerCase(Locale.ROOT);
		return words.isEmpty() ? words : Character.toUpperCase(words.charAt(0)) + words.substring(1);
	}

	private static @Nullable LocalDate parse(String text) {
		try {
			LocalDate date = LocalDate.parse(text);
			return date.getYear() < 1970 || date.getYear() > 9999 ? null : date;
		}
		catch (DateTimeParseException e) {
			return null;
		}
	}

	private static boolean blank(@Nullable String value) {
		return value == null || value.isBlank();
	}
}
