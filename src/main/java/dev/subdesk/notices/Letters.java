package dev.subdesk.notices;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.WithdrawalPeriod;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Set;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.stereotype.Component;

/**
 * The letter for an account's country: German for Germany, Austria and Liechtenstein (the portal's rule), English
 * otherwise; the time zone of the country (the EU's as {@link WithdrawalPeriod} counts days, Liechtenstein's and
 * Switzerland's too), UTC elsewhere. The wording comes from the notices' own bundle, not the pages'.
 */
@Component
class Letters {

	/** The countries whose customers get German notices, as the portal shows them German pages. */
	public static final Set<String> GERMAN_SPEAKING = Set.of("DE", "AT", "LI");

	private final ResourceBundleMessageSource messages = new ResourceBundleMessageSource();

	Letters() {
		messages.setBasename("notices/notices");
		messages.setDefaultEncoding(StandardCharsets.UTF_8.name());
		messages.setFallbackToSystemLocale(false);
		messages.setAlwaysUseMessageFormat(true);
	}

	/** The letter for an account in {@code country} (ISO 3166-1 alpha-2). */
	public Letter forCountry(String country) {
		Locale locale = GERMAN_SPEAKING.contains(country) ? Locale.GERMAN : Locale.ENGLISH;
		return new Letter(locale, Formats.zone(country), Formats.dayZone(country), messages);
	}

	/**
	 * The letter for what has no account, in the language a form was filled in: German told in Germany's time zone
	 * (named in every time), any other language as English in UTC.
	 */
	public Letter forLanguage(Locale language) {
		return Locale.GERMAN.getLanguage().equals(language.getLanguage()) ? forCountry("DE") : english();
	}

	/** The English letter in UTC, for what has no account country. */
	public Letter english() {
		return new Letter(Locale.ENGLISH, ZoneOffset.UTC, ZoneOffset.UTC, messages);
	}
}
