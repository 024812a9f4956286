package dev.subdesk.jurisdictions;

import java.util.List;

/**
 * A notice of the schedule every customer gets: its type, how many days before the event it goes out, for which
 * terms, the rules it serves, and whether it is on (a notice behind a switch is off while the switch is).
 */
public record NoticeRule(ScheduledNotice type, int daysBefore, List<String> terms, List<String> rules, boolean active) {

	public NoticeRule {
		terms = List.copyOf(terms);
		rules = List.copyOf(rules);
	}
}
