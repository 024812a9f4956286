package dev.subdesk.catalog;

import dev.subdesk.shared.Money;
import java.time.Duration;
import java.util.List;

/**
 * A plan of the catalog. {@code addOnTo} is empty for base plans; an add-on's {@code deviceLimit} adds
 * that many seats.
 */
public record Plan(String code, String name, List<String> products, Term term, Money price, int deviceLimit,
		int moneyBackDays, List<String> addOnTo) {

	public boolean isAddOn() {
		return !addOnTo.isEmpty();
	}

	/** The money-back window after each successful charge (it restarts at every charge). */
	public Duration moneyBackWindow() {
		return Duration.ofHours(24L * moneyBackDays);
	}
}
