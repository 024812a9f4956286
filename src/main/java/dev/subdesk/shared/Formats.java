package dev.subdesk.shared;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How money and dates read in notices and pages: {@code $59.99}, {@code 28 November 2026}. */
public final class Formats {

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH)
		.withZone(ZoneOffset.UTC);

	private static final DateTimeFormatter DATE_TIME = DateTimeFormatter
		.ofPattern("d MMMM uuuu 'at' HH:mm:ss 'UTC'", Locale.ENGLISH)
		.withZone(ZoneOffset.UTC);

	private Formats() {
	}

	/** Minor units as a decimal amount with the currency: integer arithmetic only. */
	public static String money(Money money) {
		long abs = Math.abs(money.amount());
		String value = "%s%d.%02d".formatted(money.amount() < 0 ? "-" : "", abs / 100, abs % 100);
		return "USD".equals(money.currency()) ? "$" + value : value + " " + money.currency();
	}

	public static String date(Instant instant) {
		return DATE.format(instant);
	}

	public static String dateTime(Instant instant) {
		return DATE_TIME.format(instant);
	}
}
