package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.catalog.Term;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * shared/API.md "Terms": P1M and P1Y are calendar months and years in UTC, counted from the subscription's first
 * period start and clamped to the month's last day (Jan 31 → Feb 28 → Mar 31). Counting from the anchor means
 * a clamp never carries over: period n's boundary is on the anchor's day of month whenever that month has it.
 */
class TermProperties {

	/** Anchors in 1990..2200, most of them on the days that need clamping (29, 30, 31). */
	@Provide
	Arbitrary<Instant> anchors() {
		Arbitrary<Integer> years = Arbitraries.integers().between(1990, 2200);
		Arbitrary<Integer> months = Arbitraries.integers().between(1, 12);
		Arbitrary<Integer> days = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.integers().between(1, 27)),
				Tuple.of(3, Arbitraries.integers().between(28, 31)));
		Arbitrary<LocalTime> times = Arbitraries.integers().between(0, 86_399).map(LocalTime::ofSecondOfDay);
		return Combinators.combine(years, months, days, times).as((y, m, d, t) -> {
			YearMonth ym = YearMonth.of(y, m);
			LocalDate date = ym.atDay(Math.min(d, ym.lengthOfMonth()));
			return LocalDateTime.of(date, t).toInstant(ZoneOffset.UTC);
		});
	}

	@Property(tries = 1000)
	void periodNIsNCalendarMonthsFromTheAnchorClampedToTheMonthsEnd(@ForAll("anchors") Instant anchor,
			@ForAll Term term, @ForAll @IntRange(min = 0, max = 600) int index) {
		ZonedDateTime start = anchor.atZone(ZoneOffset.UTC);
		int months = term == Term.P1Y ? 12 : 1;
		YearMonth expectedMonth = YearMonth.from(start).plusMonths((long) months * index);
		int expectedDay = Math.min(start.getDayOfMonth(), expectedMonth.lengthOfMonth());

		ZonedDateTime boundary = term.boundary(anchor, index).atZone(ZoneOffset.UTC);

		assertThat(YearMonth.from(boundary)).isEqualTo(expectedMonth);
		assertThat(boundary.getDayOfMonth()).as("day of month of period %d", index).isEqualTo(expectedDay);
		assertThat(boundary.toLocalTime()).as("time of day never moves").isEqualTo(start.toLocalTime());
	}

	@Property(tries = 1000)
	void boundariesNeverDriftAfterAClamp(@ForAll("anchors") Instant anchor, @ForAll @IntRange(min = 1, max = 600) int index) {
		int anchorDay = anchor.atZone(ZoneOffset.UTC).getDayOfMonth();
		// whatever clamps happened on the way, a month that has the anchor's day gets it back
		ZonedDateTime boundary = Term.P1M.boundary(anchor, index).atZone(ZoneOffset.UTC);
		if (YearMonth.from(boundary).lengthOfMonth() >= anchorDay) {
			assertThat(boundary.getDayOfMonth()).isEqualTo(anchorDay);
		}
		else {
			assertThat(boundary.getDayOfMonth()).isEqualTo(YearMonth.from(boundary).lengthOfMonth());
		}
	}

	@Property(tries = 1000)
	void periodsFollowEachOtherWithCalendarLengths(@ForAll("anchors") Instant anchor, @ForAll Term term,
			@ForAll @IntRange(min = 0, max = 600) int index) {
		Instant start = term.boundary(anchor, index);
		Instant end = term.boundary(anchor, index + 1);
		long days = Duration.between(start, end).toDays();
		assertThat(Duration.between(start, end).toSeconds() % 86_400).isZero();
		if (term == Term.P1M) {
			assertThat(days).isBetween(28L, 31L);
		}
		else {
			assertThat(days).isBetween(365L, 366L);
		}
		assertThat(term.boundary(anchor, 0)).isEqualTo(anchor);
	}

	@Property(tries = 500)
	void aYearIsTwelveMonths(@ForAll("anchors") Instant anchor, @ForAll @IntRange(min = 0, max = 100) int index) {
		assertThat(Term.P1Y.boundary(anchor, index)).isEqualTo(Term.P1M.boundary(anchor, 12 * index));
	}

	@Example
	void januaryThirtyFirstGoesToTheEndOfFebruaryAndBackToTheThirtyFirst() {
		Instant anchor = Instant.parse("2026-01-31T10:15:30Z");
		assertThat(Term.P1M.boundary(anchor, 1)).isEqualTo(Instant.parse("2026-02-28T10:15:30Z"));
		assertThat(Term.P1M.boundary(anchor, 2)).isEqualTo(Instant.parse("2026-03-31T10:15:30Z"));
		assertThat(Term.P1M.boundary(anchor, 3)).isEqualTo(Instant.parse("2026-04-30T10:15:30Z"));
		assertThat(Term.P1M.boundary(anchor, 4)).isEqualTo(Instant.parse("2026-05-31T10:15:30Z"));
		assertThat(Term.P1M.boundary(anchor, 25)).isEqualTo(Instant.parse("2028-02-29T10:15:30Z"));

		Instant leapDay = Instant.parse("2028-02-29T00:00:00Z");
		assertThat(Term.P1Y.boundary(leapDay, 1)).isEqualTo(Instant.parse("2029-02-28T00:00:00Z"));
		assertThat(Term.P1Y.boundary(leapDay, 2)).isEqualTo(Instant.parse("2030-02-28T00:00:00Z"));
		assertThat(Term.P1Y.boundary(leapDay, 4)).isEqualTo(Instant.parse("2032-02-29T00:00:00Z"));
	}
}
