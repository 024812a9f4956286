package dev.subdesk.catalog;

import dev.subdesk.shared.Money;
import java.time.Duration;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A plan of the catalog. {@code addOnTo} is empty for base plans; an add-on's {@code deviceLimit} adds
 * that many seats. {@code trialDays} (0: none) is the free trial a direct purchase starts with: nothing is
 * charged until it ends.
 * <p>
 * {@code price} is the base price, set when the plan is created; {@code prices} holds it first and then the prices
 * in other currencies ({@link #priceFor}). A {@code retired} plan is sold no more; the subscriptions that have it go
 * on as before. {@code retentionPercentOff} is the retention offer's discount on the next renewal (null: no offer).
 */
public record Plan(String code, String name, List<String> products, Term term, Money price, int deviceLimit,
		int moneyBackDays, List<String> addOnTo, int trialDays, List<Money> prices, boolean retired,
		@Nullable Integer retentionPercentOff) {

	/** The demo policy's discount (shared/API.md, Retention offers): the next renewal at 75% of the price. */
	public static final int DEMO_RETENTION_PERCENT_OFF = 25;

	public Plan {
		products = List.copyOf(products);
		addOnTo = List.copyOf(addOnTo);
		prices = List.copyOf(prices);
		if (prices.isEmpty() || !prices.getFirst().equals(price)) {
			throw new IllegalArgumentException("A plan's prices start with its base price");
		}
	}

	/** A plan with only its base price, on sale, with the demo retention offer. */
	public Plan(String code, String name, List<String> products, Term term, Money price, int deviceLimit,
			int moneyBackDays, List<String> addOnTo, int trialDays) {
		this(code, name, products, term, price, deviceLimit, moneyBackDays, addOnTo, trialDays, List.of(price), false,
				DEMO_RETENTION_PERCENT_OFF);
	}

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

	/** Whether a new purchase of this plan is possible (it is not retired). */
	public boolean forSale() {
		return !retired;
	}

	/** The money-back window after each successful charge (it restarts at every charge). */
	public Duration moneyBackWindow() {
		return Duration.ofHours(24L * moneyBackDays);
	}

	/** The price in {@code currency} (ISO 4217), if the plan has one. */
	public Optional<Money> priceIn(String currency) {
		return prices.stream().filter(p -> p.currency().equals(currency)).findFirst();
	}

	/**
	 * What a customer in {@code country} (ISO 3166-1 alpha-2) pays: the price in that country's currency when the
	 * plan has one, else the base price. With only a base price, every customer pays it.
	 */
	public Money priceFor(String country) {
		return currencyOf(country).flatMap(this::priceIn).orElse(price);
	}

	/**
	 * This plan as a customer in {@code country} is offered it: its {@code price} is {@link #priceFor} the country
	 * (the copy is for showing and disclosing the sale, not for the catalog).
	 */
	public Plan offeredIn(String country) {
		Money local = priceFor(country);
		if (local.equals(price)) {
			return this;
		}
		List<Money> reordered = new java.util.ArrayList<>(prices);
		reordered.remove(local);
		reordered.addFirst(local);
		return new Plan(code, name, products, term, local, deviceLimit, moneyBackDays, addOnTo, trialDays, reordered,
				retired, retentionPercentOff);
	}

	/**
	 * This plan at another base price (a scheduled price change in effect): the prices in other currencies, the
	 * status and the retention offer stay.
	 */
	public Plan withBasePrice(Money base) {
		List<Money> changed = new java.util.ArrayList<>(prices);
		changed.set(0, base);
		changed.removeIf(p -> p != changed.getFirst() && p.currency().equals(base.currency()));
		return new Plan(code, name, products, term, base, deviceLimit, moneyBackDays, addOnTo, trialDays, changed,
				retired, retentionPercentOff);
	}

	/** The currency a country uses (ISO 4217), as the JDK knows it; empty for an unknown country. */
	static Optional<String> currencyOf(String country) {
		try {
			Currency currency = Currency.getInstance(Locale.of("", country));
			return Optional.ofNullable(currency).map(Currency::getCurrencyCode);
		}
		catch (IllegalArgumentException e) {
			return Optional.empty();
		}
	}

	/** The retention offer's discount on the next renewal, in percent; empty when this plan offers nothing. */
	public Optional<Integer> retentionOffer() {
		return Optional.ofNullable(retentionPercentOff);
	}
}
