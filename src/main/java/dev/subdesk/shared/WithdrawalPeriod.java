package dev.subdesk.shared;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * The EU right of withdrawal's 14-day period (Directive 2011/83/EU, R-EU-1): which countries have it and when it
 * ends. The days are whole local days of the customer's country, starting the day after the conclusion of the
 * contract and ending with the last hour of the last day (Regulation 1182/71, Art. 3). Shared because the order
 * confirmation states the period and the withdrawal function enforces it: both must count it the same way.
 */
public final class WithdrawalPeriod {

	/** The withdrawal period in days, counted from the day after the conclusion of the contract. */
	public static final int DAYS = 14;

	/** The EU member states (ISO 3166-1 alpha-2) with the time zone of their capital, in which the days are counted. */
	public static final Map<String, ZoneId> EU = Map.ofEntries(zone("AT", "Europe/Vienna"), zone("BE", "Europe/Brussels"),
			zone("BG", "Europe/Sofia"), zone("HR", "Europe/Zagreb"), zone("CY", "Asia/Nicosia"), zone("CZ", "Europe/Prague"),
			zone("DK", "Europe/Copenhagen"), zone("EE", "Europe/Tallinn"), zone("FI", "Europe/Helsinki"),
			zone("FR", "Europe/Paris"), zone("DE", "Europe/Berlin"), zone("GR", "Europe/Athens"),
			zone("HU", "Europe/Budapest"), zone("IE", "Europe/Dublin"), zone("IT", "Europe/Rome"), zone("LV", "Europe/Riga"),
			zone("LT", "Europe/Vilnius"), zone("LU", "Europe/Luxembourg"), zone("MT", "Europe/Malta"),
			zone("NL", "Europe/Amsterdam"), zone("PL", "Europe/Warsaw"), zone("PT", "Europe/Lisbon"),
			zone("RO", "Europe/Bucharest"), zone("SK", "Europe/Bratislava"), zone("SI", "Europe/Ljubljana"),
			zone("ES", "Europe/Madrid"), zone("SE", "Europe/Stockholm"));

	/**
	 * Countries outside the EU whose customers may have a withdrawal right of their own (the UK's cooling-off period
	 * under the DMCC Act, R-UK-5, behind its switch), with the time zone in which its days are counted.
	 */
	public static final Map<String, ZoneId> OUTSIDE_THE_EU = Map.ofEntries(zone("GB", "Europe/London"));

	private WithdrawalPeriod() {
	}

	private static ZoneId zoneOf(String country) {
		ZoneId eu = EU.get(country);
		return eu != null ? eu : OUTSIDE_THE_EU.getOrDefault(country, ZoneOffset.UTC);
	}

	/** Whether customers in this country have the EU right of withdrawal. */
	public static boolean applies(String country) {
		return EU.containsKey(country);
	}

	/** The first instant after the period of a contract concluded at {@code concludedAt} in {@code country}. */
	public static Instant end(Instant concludedAt, String country) {
		return lastDay(concludedAt, country).plusDays(1).atStartOfDay(zoneOf(country)).toInstant();
	}

	/** The period's last day, a calendar day of the customer's country. */
	public static LocalDate lastDay(Instant concludedAt, String country) {
		return concludedAt.atZone(zoneOf(country)).toLocalDate().plusDays(DAYS);
	}

	/**
	 * The first instant of the day after the one {@code at} falls on, in the days the period is counted in: from it on, a
	 * contract concluded has a {@link #lastDay} a day later than one concluded at {@code at}.
	 */
	public static Instant nextDay(Instant at, String country) {
		ZoneId zone = zoneOf(country);
		return at.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
	}

	private static Map.Entry<String, ZoneId> zone(String country, String zone) {
		return Map.entry(country, ZoneId.of(zone));
	}
}
