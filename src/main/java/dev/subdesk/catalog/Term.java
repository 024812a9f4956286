package dev.subdesk.catalog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * A billing term: calendar months or years in UTC, counted from the subscription's first period start
 * and clamped to the month's last day (Jan 31 → Feb 28 → Mar 31).
 */
public enum Term {
	P1M(1), P1Y(12);

	private final int months;

	Term(int months) {
		this.months = months;
	}

	/** The start of period {@code index} (0 is the first) of a subscription anchored at {@code anchor}. */
	public Instant boundary(Instant anchor, int index) {
		return ZonedDateTime.ofInstant(anchor, ZoneOffset.UTC).plusMonths((long) months * index).toInstant();
	}

	public static Term parse(String value) {
		return Term.valueOf(value);
	}
}
