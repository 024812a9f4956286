package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * The days a customer is told (R-NY-1, R-MA-1): "cancel before" the day of a charge must never come later, where the
 * customer is, than the charge itself. A US account's days are its state's (the westernmost zone of a state with
 * several), or Hawaii's without a state; the UTC day a charge falls on is often the day after, in the Americas.
 */
class CustomerDaysTests {

	private static final String[] STATES = { "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI",
			"ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
			"NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
			"WV", "WI", "WY" };

	/** Every zone the states' people live in, multi-zone states' eastern parts included. */
	private static final String[] LIVED_IN = { "America/New_York", "America/Detroit", "America/Indiana/Indianapolis",
			"America/Kentucky/Louisville", "America/Chicago", "America/Indiana/Knox", "America/Menominee",
			"America/North_Dakota/Center", "America/Denver", "America/Boise", "America/Phoenix", "America/Los_Angeles",
			"America/Anchorage", "America/Juneau", "America/Adak", "Pacific/Honolulu" };

	@Test
	void aCalifornianEveningChargeIsToldOnItsOwnDayNotTheUtcDayAfter() {
		Instant charge = Instant.parse("2027-03-02T04:00:00Z"); // 20:00 on 1 March in California
		assertThat(charge.atZone(ZoneOffset.UTC).toLocalDate()).isEqualTo(LocalDate.of(2027, 3, 2));
		assertThat(charge.atZone(Formats.zone("US", "CA")).toLocalDate()).isEqualTo(LocalDate.of(2027, 3, 1));
		assertThat(charge.atZone(Formats.zone("US", "ny")).toLocalDate()).isEqualTo(LocalDate.of(2027, 3, 1));
		assertThat(charge.atZone(Formats.zone("US", null)).toLocalDate()).isEqualTo(LocalDate.of(2027, 3, 1));
		assertThat(Formats.zone("DE", null)).isEqualTo(ZoneId.of("Europe/Berlin"));
		assertThat(Formats.zone("JP", null)).isEqualTo(ZoneOffset.UTC);
	}

	@Property(tries = 500)
	void theDayToldBeganEverywhereInTheStatesBeforeTheCharge(@ForAll @LongRange(min = 1_700_000_000L,
			max = 2_100_000_000L) long chargeSecond, @ForAll @IntRange(min = 0, max = 50) int state,
			@ForAll @IntRange(min = 0, max = 15) int livedIn) {
		Instant charge = Instant.ofEpochSecond(chargeSecond);
		LocalDate told = charge.atZone(Formats.dayZone("US")).toLocalDate();
		ZoneId home = ZoneId.of(LIVED_IN[livedIn]);
		assertThat(told.atStartOfDay(home).toInstant()).as("cancelling before %s in %s", told, home)
			.isBeforeOrEqualTo(charge);
		ZoneId ofState = Formats.zone("US", STATES[state]);
		LocalDate toldInState = charge.atZone(ofState).toLocalDate();
		for (String zone : SPLIT_STATES.getOrDefault(STATES[state], java.util.List.of(ofState.getId()))) {
			assertThat(toldInState.atStartOfDay(ZoneId.of(zone)).toInstant())
				.as("cancelling before %s in %s, %s", toldInState, STATES[state], zone)
				.isBeforeOrEqualTo(charge);
		}
	}

	/** The zones of the states that have several. */
	private static final java.util.Map<String, java.util.List<String>> SPLIT_STATES = java.util.Map.ofEntries(
			java.util.Map.entry("AK", java.util.List.of("America/Anchorage", "America/Juneau", "America/Adak")),
			java.util.Map.entry("FL", java.util.List.of("America/New_York", "America/Chicago")),
			java.util.Map.entry("ID", java.util.List.of("America/Boise", "America/Los_Angeles")),
			java.util.Map.entry("IN", java.util.List.of("America/Indiana/Indianapolis", "America/Indiana/Knox")),
			java.util.Map.entry("KS", java.util.List.of("America/Chicago", "America/Denver")),
			java.util.Map.entry("KY", java.util.List.of("America/Kentucky/Louisville", "America/Chicago")),
			java.util.Map.entry("MI", java.util.List.of("America/Detroit", "America/Menominee")),
			java.util.Map.entry("ND", java.util.List.of("America/North_Dakota/Center", "America/Denver")),
			java.util.Map.entry("NE", java.util.List.of("America/Chicago", "America/Denver")),
			java.util.Map.entry("OR", java.util.List.of("America/Los_Angeles", "America/Boise")),
			java.util.Map.entry("SD", java.util.List.of("America/Chicago", "America/Denver")),
			java.util.Map.entry("TN", java.util.List.of("America/New_York", "America/Chicago")),
			java.util.Map.entry("TX", java.util.List.of("America/Chicago", "America/Denver")));
}
