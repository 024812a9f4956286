package dev.subdesk.shared;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Currency;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * How money and dates read in notices and pages: {@code $59.99}, {@code 28 November 2026}, and in German
 * {@code 59,99 $}, {@code 28. November 2026}; the time zone of a customer's country.
 */
public final class Formats {

	private static final DateTimeFormatter ENGLISH_DATE_TIME = DateTimeFormatter
		.ofPattern("d MMMM uuuu 'at' HH:mm:ss zzz", Locale.ENGLISH);

	private static final DateTimeFormatter GERMAN_DATE_TIME = DateTimeFormatter
		.ofPattern("d. MMMM uuuu 'um' HH:mm:ss zzz", Locale.GERMAN);

	private static final DateTimeFormatter ENGLISH_DATE = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH);

	private static final DateTimeFormatter GERMAN_DATE = DateTimeFormatter.ofPattern("d. MMMM uuuu", Locale.GERMAN);

	private static final Map<String, ZoneId> OUTSIDE_THE_EU = Map.of("LI", ZoneId.of("Europe/Vaduz"), "CH",
			ZoneId.of("Europe/Zurich"));

	private static final ZoneId US_WITHOUT_A_STATE = ZoneId.of("Pacific/Honolulu");

	/** Each state's zone; a state in several, its westernmost. */
	private static final Map<String, ZoneId> US_STATES = usStates();

	private static Map<String, ZoneId> usStates() {
		Map<String, ZoneId> states = new java.util.HashMap<>();
		java.util.function.BiConsumer<String, String> put = (zone, codes) -> {
			for (String code : codes.split(" ")) {
				states.put(code, ZoneId.of(zone));
			}
		};
		put.accept("America/New_York", "CT DC DE GA MA MD ME NC NH NJ NY OH PA RI SC VA VT WV");
		put.accept("America/Chicago", "AL AR FL IA IL IN KY LA MI MN MO MS OK TN WI");
		put.accept("America/Denver", "CO KS MT ND NE NM SD TX UT WY");
		put.accept("America/Phoenix", "AZ");
		put.accept("America/Los_Angeles", "CA ID NV OR WA");
		put.accept("America/Adak", "AK");
		put.accept("Pacific/Honolulu", "HI");
		put.accept("America/Puerto_Rico", "PR VI");
		put.accept("Pacific/Guam", "GU MP");
		put.accept("Pacific/Pago_Pago", "AS");
		return Map.copyOf(states);
	}

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH)
		.withZone(ZoneOffset.UTC);

	private static final DateTimeFormatter DATE_TIME = DateTimeFormatter
		.ofPattern("d MMMM uuuu 'at' HH:mm:ss 'UTC'", Locale.ENGLISH)
		.withZone(ZoneOffset.UTC);

	/** The German format of each currency met so far: copied before use ({@link #money(Money, Locale)}). */
	private static final Map<Currency, NumberFormat> GERMAN_MONEY = new ConcurrentHashMap<>();

	private Formats() {
	}

	/**
	 * Minor units as a decimal amount with the currency, in as many decimals as its minor unit has ({@code $59.99},
	 * {@code 59.99 EUR}, {@code 5999 JPY}, {@code 1.250 KWD}): exact, never through a double.
	 */
	public static String money(Money money) {
		int digits = money.fractionDigits();
		long abs = Math.abs(money.amount());
		String sign = money.amount() < 0 ? "-" : "";
		String value;
		if (digits == 0) {
			value = sign + abs;
		}
		else {
			long unit = Money.unit(digits);
			value = sign + abs / unit + "." + String.format("%0" + digits + "d", abs % unit);
		}
		return "USD".equals(money.currency()) ? "$" + value : value + " " + money.currency();
	}

	public static String date(Instant instant) {
		return DATE.format(instant);
	}

	public static String dateTime(Instant instant) {
		return DATE_TIME.format(instant);
	}

	/**
	 * An amount in {@code language}: {@code $59.99} / {@code 59.99 EUR} in English as {@link #money(Money)}, the
	 * locale's currency format in German ({@code 59,99 €}, {@code 59,99 $}); minor units converted exactly, never
	 * through a double.
	 */
	public static String money(Money money, Locale language) {
		if (!isGerman(language)) {
			return money(money);
		}
		Currency currency = Currency.getInstance(money.currency());
		int digits = Math.max(currency.getDefaultFractionDigits(), 0);
		// a copy of the currency's format: made once per currency (looking the locale's format up and setting its
		// currency was most of a German notice's formatting), copied per call as a NumberFormat is not thread-safe
		NumberFormat format = (NumberFormat) GERMAN_MONEY.computeIfAbsent(currency, Formats::germanMoney).clone();
		return format.format(BigDecimal.valueOf(money.amount()).movePointLeft(digits));
	}

	private static NumberFormat germanMoney(Currency currency) {
		NumberFormat format = NumberFormat.getCurrencyInstance(Locale.GERMAN);
		format.setCurrency(currency);
		int digits = Math.max(currency.getDefaultFractionDigits(), 0);
		format.setMinimumFractionDigits(digits);
		format.setMaximumFractionDigits(digits);
		return format;
	}

	/**
	 * An instant in {@code zone} with the zone named, in {@code language}: {@code 3 December 2026 at 17:00:00 UTC},
	 * {@code 3. Dezember 2026 um 18:00:00 MEZ (Europe/Berlin)}.
	 */
	public static String dateTime(Instant instant, Locale language, ZoneId zone) {
		boolean german = isGerman(language);
		if (zone.equals(ZoneOffset.UTC)) {
			return german ? GERMAN_DATE_TIME.withZone(zone).format(instant).replaceAll(" [^ ]+$", " UTC")
					: dateTime(instant);
		}
		DateTimeFormatter format = german ? GERMAN_DATE_TIME : ENGLISH_DATE_TIME;
		return format.withZone(zone).format(instant) + " (" + zone.getId() + ")";
	}

	/** A calendar day in {@code language}: {@code 28 November 2026}, {@code 28. November 2026}. */
	public static String date(LocalDate day, Locale language) {
		return (isGerman(language) ? GERMAN_DATE : ENGLISH_DATE).format(day);
	}

	/**
	 * The time zone of a country's letters and pages: the EU country's (as {@link WithdrawalPeriod} counts days),
	 * Liechtenstein's or Switzerland's, else UTC.
	 */
	public static ZoneId zone(String country) {
		ZoneId eu = WithdrawalPeriod.EU.get(country);
		return eu != null ? eu : OUTSIDE_THE_EU.getOrDefault(country, ZoneOffset.UTC);
	}

	/**
	 * The zone whose calendar days a customer in {@code country} is told, for dates that are deadlines ("cancel before
	 * 2 March"): {@link #zone(String)}, but for the United States Hawaii's, where a day begins after it has begun in
	 * every state. A renewal at 04:00 UTC on 2 March is on 1 March in Honolulu as in California: a customer told the
	 * UTC day would cancel on 1 March evening, after the charge (R-NY-1, R-MA-1).
	 */
	public static ZoneId dayZone(String country) {
		return "US".equals(country) ? US_WITHOUT_A_STATE : zone(country);
	}

	/**
	 * The zone of a customer in {@code country} and {@code region} (a US state's two letters): a state's own zone (the
	 * westernmost of a state with several, so that its days are never told later than they begin there), else
	 * {@link #dayZone(String)}.
	 */
	public static ZoneId zone(String country, @Nullable String region) {
		if ("US".equals(country) && region != null) {
			ZoneId state = US_STATES.get(region.toUpperCase(Locale.ROOT));
			if (state != null) {
				return state;
			}
		}
		return dayZone(country);
	}

	private static boolean isGerman(Locale language) {
		return "de".equals(language.getLanguage());
	}
}
