package dev.subdesk.catalog;

import dev.subdesk.shared.Money;
import java.time.Instant;

/**
 * A scheduled price change of a plan: from {@code effectiveFrom} on, new purchases pay {@code price}; existing
 * subscribers either move to it at their first renewal at or after that instant ({@link Existing#MOVE}, after a
 * PRICE_CHANGE notice and, where their jurisdiction requires it, their consent) or keep the price they have
 * ({@link Existing#GRANDFATHER}).
 */
public record PriceChange(String id, String planCode, Money price, Instant effectiveFrom, Existing existingSubscribers,
		Instant createdAt, String createdBy) {

	/** What happens to the plan's existing subscribers. */
	public enum Existing {
		/** They move to the new price at their first renewal at or after the effective instant. */
		MOVE,
		/** They keep their price. */
		GRANDFATHER
	}

	/** Whether existing subscribers move to the new price. */
	public boolean movesExisting() {
		return existingSubscribers == Existing.MOVE;
	}
}
