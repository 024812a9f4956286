package dev.subdesk.notices;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import java.math.BigDecimal;
import java.text.NumberFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Currency;
import java.util.Locale;
import org.springframework.context.MessageSource;

/**
 * How a notice to one account reads: its language (German for accounts in Germany, Austria and Liechtenstein, English
 * otherwise), the time zone of the account's country, and the notice wording from the notices' own bundle
 * ({@code notices/notices*.properties}). Only the server's own wording and values go into a letter; nothing a
 * stranger typed.
 */
public final class Letter {

	private static final DateTimeFormatter ENGLISH_DATE_TIME = DateTimeFormatter
		.ofPattern("d MMMM uuuu 'at' HH:mm:ss zzz", Locale.ENGLISH);

	private static final DateTimeFormatter GERMAN_DATE_TIME = DateTimeFormatter
		.ofPattern("d. MMMM uuuu 'um' HH:mm:ss zzz", Locale.GERMAN);

	private static final DateTimeFormatter ENGLISH_DATE = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH);

	private static final DateTimeFormatter GERMAN_DATE = DateTimeFormatter.ofPattern("d. MMMM uuuu", Locale.GERMAN);

	private final Locale locale;

	private final ZoneId zone;

	private final MessageSource messages;

	Letter(Locale locale, ZoneId zone, MessageSource messages) {
		this.locale = locale;
		this.zone = zone;
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
		return isGerman(locale);
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
		return money(money, locale);
	}

	/** {@link #money(Money)} for a page or letter in {@code language}. */
	public static String money(Money money, Locale language) {
		if (!isGerman(language)) {
			return Formats.money(money);
		}
		Currency currency = Currency.getInstance(money.currency());
		NumberFormat format = NumberFormat.getCurrencyInstance(Locale.GERMAN);
		format.setCurrency(currency);
		int digits = Math.max(currency.getDefaultFractionDigits(), 0);
		format.setMinimumFractionDigits(digits);
		format.setMaximumFractionDigits(digits);
		return format.format(BigDecimal.valueOf(money.amount()).movePointLeft(digits));
	}

	/**
	 * An instant in the account's time zone with the zone named: {@code 3 December 2026 at 17:00:00 UTC},
	 * {@code 3. Dezember 2026 um 18:00:00 MEZ (Europe/Berlin)}.
	 */
	public String dateTime(Instant instant) {
		return dateTime(instant, locale, zone);
	}

	/** {@link #dateTime(Instant)} for a page or letter in {@code language} and {@code zone}. */
	public static String dateTime(Instant instant, Locale language, ZoneId zone) {
		boolean german = isGerman(language);
		if (zone.equals(ZoneOffset.UTC)) {
			return german ? GERMAN_DATE_TIME.withZone(zone).format(instant).replaceAll(" [^ ]+$", " UTC")
					: Formats.dateTime(instant);
		}
		DateTimeFormatter format = german ? GERMAN_DATE_TIME : ENGLISH_DATE_TIME;
		return format.withZone(zone).format(instant) + " (" + zone.getId() + ")";
	}

	/** The day of an instant in the account's time zone: {@code 28 November 2026}, {@code 28. November 2026}. */
	public String date(Instant instant) {
		return date(instant.atZone(zone).toLocalDate(), locale);
	}

	/** A calendar day in this language. */
	public String date(LocalDate day) {
		return date(day, locale);
	}

	/** A calendar day in {@code language}. */
	public static String date(LocalDate day, Locale language) {
		return (isGerman(language) ? GERMAN_DATE : ENGLISH_DATE).format(day);
	}

	private static boolean isGerman(Locale language) {
		return "de".equals(language.getLanguage());
	}
}
