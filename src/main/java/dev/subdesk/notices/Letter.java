package dev.subdesk.notices;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Locale;
import org.springframework.context.MessageSource;

/**
 * How a notice to one account reads: its language (German for accounts in Germany, Austria and Liechtenstein, English
 * otherwise), the time zone of the account's country, and the notice wording from the notices' own bundle
 * ({@code notices/notices*.properties}). Only the server's own wording and values go into a letter; nothing a
 * stranger typed.
 */
final class Letter {

	private final Locale locale;

	private final ZoneId zone;

	private final ZoneId dayZone;

	private final MessageSource messages;

	/**
	 * {@code zone}: the one instants are told in, named; {@code dayZone}: the one whose calendar days are told
	 * ({@link Formats#dayZone}: for the US, the days of Hawaii, so that "cancel before" a day is never too late).
	 */
	Letter(Locale locale, ZoneId zone, ZoneId dayZone, MessageSource messages) {
		this.locale = locale;
		this.zone = zone;
		this.dayZone = dayZone;
		this.messages = messages;
	}

	/** {@link Locale#GERMAN} or {@link Locale#ENGLISH}. */
	public Locale locale() {
		return locale;
	}

	public ZoneId zone() {
		return zone;
	}

	boolean german() {
		return "de".equals(locale.getLanguage());
	}

	/** The notice text under {@code key} with its arguments (strings the server made). */
	public String text(String key, Object... args) {
		return messages.getMessage(key, args, locale);
	}

	/**
	 * An amount for this language: {@code $59.99} / {@code 59.99 EUR} in English as before, the locale's currency
	 * format in German ({@code 59,99 €}, {@code 59,99 $}); minor units converted exactly, never through a double.
	 */
	public String money(Money money) {
		return Formats.money(money, locale);
	}

	/**
	 * An instant in the account's time zone with the zone named: {@code 3 December 2026 at 17:00:00 UTC},
	 * {@code 3. Dezember 2026 um 18:00:00 MEZ (Europe/Berlin)}.
	 */
	public String dateTime(Instant instant) {
		return Formats.dateTime(instant, locale, zone);
	}

	/**
	 * The day of an instant as the account's country counts days ({@link Formats#dayZone}): {@code 28 November 2026},
	 * {@code 28. November 2026}.
	 */
	public String date(Instant instant) {
		return Formats.date(instant.atZone(dayZone).toLocalDate(), locale);
	}

	/** A calendar day in this language. */
	public String date(LocalDate day) {
		return Formats.date(day, locale);
	}
}
