package dev.subdesk.catalog;

import dev.subdesk.shared.Money;
import java.time.Duration;
import java.util.List;

/**
 * A plan of the catalog. {@code addOnTo} is empty for base plans; an add-on's {@code deviceLimit} adds
 * that many seats. {@code trialDays} (0: none) is the free trial a direct purchase starts with: nothing is
 * charged until it ends.
 */
public record Plan(String code, String name, List<String> products, Term term, Money price, int deviceLimit,
		int moneyBackDays, List<String> addOnTo, int trialDays) {

	/** Whether a direct purchase starts with a free trial. */
	public boolean hasTrial() {
		return trialDays > 0;
	}

	/** The end of a free trial that starts at {@code start} (days of 24 h). */
	public java.time.Instant trialEnd(java.time.Instant start) {
		return start.plus(Duration.ofDays(trialDays));
	}

	public boolean isAddOn() {
		return !addOnTo.isEmpty();
	}

	/** The money-back window after each successful charge (it restarts at every charge). */
	public Duration moneyBackWindow() {
		return Duration.ofHours(24L * moneyBackDays);
	}
}
