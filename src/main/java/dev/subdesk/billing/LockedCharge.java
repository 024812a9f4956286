package dev.subdesk.billing;

import org.jspecify.annotations.Nullable;

/**
 * A charge as read under its row lock in the current transaction ({@link Billing#lockLatestSuccessfulCharge}), with
 * the brand and last four digits of the card that paid it: what a refund of it needs, read once. Only
 * {@link Billing} makes one.
 */
public final class LockedCharge {

	private final Charge charge;

	private final @Nullable String cardBrand;

	private final @Nullable String cardLast4;

	LockedCharge(Charge charge, @Nullable String cardBrand, @Nullable String cardLast4) {
		this.charge = charge;
		this.cardBrand = cardBrand;
		this.cardLast4 = cardLast4;
	}

	public Charge charge() {
		return charge;
	}

	@Nullable String cardBrand() {
		return cardBrand;
	}

	@Nullable String cardLast4() {
		return cardLast4;
	}
}
