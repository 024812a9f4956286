package dev.subdesk.jurisdictions;

import java.util.List;

/**
 * A notice of the schedule every customer gets: its type, how many days before the event it goes out, the fewest days
 * before the event it still serves its rules when it goes out late ({@code minDaysBefore}, at most {@code daysBefore}),
 * for which terms, the rules it serves, and whether it is on (a notice behind a switch is off while the switch is).
 * {@code promotionEnding}: it goes out only before a renewal that ends a promotional price (an accepted retention
 * discount) and charges the full price again, and only to the customers whose jurisdiction lists one of its
 * {@code rules} (R-CA-6); such a notice does not turn its type on for everyone ({@link Jurisdictions#noticeActive}).
 */
public record NoticeRule(ScheduledNotice type, int daysBefore, int minDaysBefore, List<String> terms,
		List<String> rules, boolean active, boolean promotionEnding) {

	public NoticeRule {
		if (minDaysBefore < 0 || minDaysBefore > daysBefore) {
			throw new IllegalArgumentException("A " + type + " notice's minDaysBefore must be from 0 to its daysBefore ("
					+ daysBefore + "): " + minDaysBefore);
		}
		terms = List.copyOf(terms);
		rules = List.copyOf(rules);
	}
}
