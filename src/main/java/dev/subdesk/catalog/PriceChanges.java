package dev.subdesk.catalog;

import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The plans' scheduled price changes ({@code plan_price_changes}). It answers the price a new purchase pays at an
 * instant ({@link #current}) and the list price a subscription renews at when no change applies to it
 * ({@link #listPrice}); the {@link Catalog} itself keeps the plans' base prices. Which subscribers get which
 * notice, and when a new price applies to them, is the subscriptions module's (SubscriptionPriceChanges).
 */
@Service
public class PriceChanges {

	/** How far ahead a price change may be scheduled. */
	static final int MAX_YEARS_AHEAD = 10;

	private static final String INSERT = """
			INSERT INTO plan_price_changes (id, plan_code, price_amount, currency, effective_from, existing_subscribers,
			                                created_at, created_by)
			VALUES (:id, :plan, :amount, :currency, :from, :existing, :at, :by)
			""";

	private static final String SELECT = """
			SELECT id, plan_code, price_amount, currency, effective_from, existing_subscribers, created_at, created_by
			FROM plan_price_changes
			""";

	private static final String LOCK_PLAN = "SELECT code FROM plans WHERE code = :plan FOR UPDATE";

	private final JdbcClient jdbc;
	private final Catalog catalog;

	PriceChanges(JdbcClient jdbc, Catalog catalog) {
		this.jdbc = jdbc;
		this.catalog = catalog;
	}

	/**
	 * Holds the plan's schedule until the caller's transaction ends (a key-share lock of the plan's row, which
	 * {@link #schedule} takes {@code FOR UPDATE}): a purchase that records what its first renewal charges sees every
	 * change scheduled before it, and none is scheduled meanwhile. The weakest lock that does it: a catalog edit of the
	 * plan's other columns ({@code FOR NO KEY UPDATE}) is not held off by a stream of purchases, nor holds one off.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void holdSchedule(String planCode) {
		jdbc.sql("SELECT code FROM plans WHERE code = :plan FOR KEY SHARE").param("plan", planCode).query(String.class).optional();
	}

	/**
	 * Schedules a new price for a plan from {@code effectiveFrom}, which must not be before {@code earliest} (the
	 * longest notice lead ahead of now: {@code 422 EFFECTIVE_FROM_TOO_SOON}). The price is in the plan's currency
	 * ({@code 400} on {@code price.currency}); a change of the plan not yet in effect: {@code 409
	 * PRICE_CHANGE_PENDING} (one announced change at a time, so no subscriber is told two new prices).
	 */
	@Transactional
	public PriceChange schedule(String planCode, Money price, Instant effectiveFrom, PriceChange.Existing existing,
			Instant now, Instant earliest, String actor) {
		Plan plan = catalog.find(planCode).orElseThrow(() -> SubdeskException.notFound("Plan", planCode));
		if (!plan.price().currency().equals(price.currency())) {
			throw SubdeskException.invalid("price.currency", "must be the plan's currency, " + plan.price().currency());
		}
		if (price.amount() <= 0) {
			// as a plan's price (CatalogAdmin): no charge is of zero
			throw SubdeskException.invalid("price.amount", "must be a positive integer in the currency's minor unit");
		}
		if (price.amount() > CatalogAdmin.MAX_PRICE) {
			throw SubdeskException.invalid("price.amount",
					"must be at most " + CatalogAdmin.MAX_PRICE + " in the currency's minor unit");
		}
		if (effectiveFrom.isAfter(now.atOffset(ZoneOffset.UTC).plusYears(MAX_YEARS_AHEAD).toInstant())) {
			// one announced change at a time: a change centuries ahead would block every other
			throw SubdeskException.invalid("effectiveFrom", "must be within " + MAX_YEARS_AHEAD + " years from now");
		}
		if (effectiveFrom.isBefore(earliest)) {
			throw new SubdeskException(CatalogErrorCode.EFFECTIVE_FROM_TOO_SOON,
					"effectiveFrom must be at or after %s: existing subscribers must be told ahead as their jurisdiction requires"
						.formatted(earliest), List.of(new SubdeskException.FieldError("effectiveFrom",
								"must be at or after " + earliest)));
		}
		jdbc.sql(LOCK_PLAN).param("plan", planCode).query(String.class).single();
		if (forPlan(planCode).stream().anyMatch(c -> c.effectiveFrom().isAfter(now))) {
			throw SubdeskException.of(CatalogErrorCode.PRICE_CHANGE_PENDING,
					"A price change of " + planCode + " is already scheduled and not in effect yet");
		}
		PriceChange change = new PriceChange(Ids.next("ppc"), planCode, price, effectiveFrom, existing, now, actor);
		jdbc.sql(INSERT)
			.param("id", change.id())
			.param("plan", planCode)
			.param("amount", price.amount())
			.param("currency", price.currency())
			.param("from", Timestamp.from(effectiveFrom))
			.param("existing", existing.name())
			.param("at", Timestamp.from(now))
			.param("by", actor)
			.update();
		return change;
	}

	/** The price changes of a plan, the latest effective first. */
	public List<PriceChange> forPlan(String planCode) {
		return jdbc.sql(SELECT + " WHERE plan_code = :plan ORDER BY effective_from DESC")
			.param("plan", planCode)
			.query(PriceChanges::map)
			.list();
	}

	/** Every price change, the latest effective first (a small table: one row per change of a plan's price). */
	public List<PriceChange> all() {
		return jdbc.sql(SELECT + " ORDER BY effective_from DESC").query(PriceChanges::map).list();
	}

	public Optional<PriceChange> find(String id) {
		return jdbc.sql(SELECT + " WHERE id = :id").param("id", id).query(PriceChanges::map).optional();
	}

	/** The plan as a purchase at {@code at} buys it: its price is the latest change in effect then, if any. */
	public Plan current(Plan plan, Instant at) {
		return forPlan(plan.code()).stream()
			.filter(c -> !c.effectiveFrom().isAfter(at))
			.findFirst()
			.map(c -> withPrice(plan, c.price()))
			.orElse(plan);
	}

	/** Every plan as a purchase at {@code at} buys it (one query for all). */
	public List<Plan> current(List<Plan> plans, Instant at) {
		List<PriceChange> changes = all();
		return plans.stream()
			.map(plan -> changes.stream()
				.filter(c -> c.planCode().equals(plan.code()) && !c.effectiveFrom().isAfter(at))
				.findFirst()
				.map(c -> withPrice(plan, c.price()))
				.orElse(plan))
			.toList();
	}

	/**
	 * The list price a subscription renews at when no change applies at that renewal (a discount lasts one renewal):
	 * the price of the latest change among those in effect when it was bought and those applied to it, else the
	 * plan's base price. A grandfathered subscriber so keeps the price it had.
	 *
	 * @param changes every price change (from {@link #all()}), the latest effective first
	 */
	public static Money listPrice(Plan plan, Instant boughtAt, Collection<String> appliedChangeIds,
			List<PriceChange> changes) {
		return changes.stream()
			.filter(c -> c.planCode().equals(plan.code()))
			.filter(c -> !c.effectiveFrom().isAfter(boughtAt) || appliedChangeIds.contains(c.id()))
			.max(Comparator.comparing(PriceChange::effectiveFrom))
			.map(PriceChange::price)
			.orElse(plan.price());
	}

	/** The plan at a changed base price; its prices in other currencies, status and retention offer stay. */
	private static Plan withPrice(Plan plan, Money price) {
		return plan.withBasePrice(price);
	}

	/**
	 * A price change from a row with the columns of {@code plan_price_changes} under their own names: for a read of
	 * another module that joins the table (the subscriptions' pending changes with every change, in one statement).
	 */
	public static PriceChange map(ResultSet rs, int row) throws SQLException {
		return new PriceChange(rs.getString("id"), rs.getString("plan_code"),
				Money.of(rs.getLong("price_amount"), rs.getString("currency")),
				rs.getTimestamp("effective_from").toInstant(),
				PriceChange.Existing.valueOf(rs.getString("existing_subscribers")), rs.getTimestamp("created_at").toInstant(),
				rs.getString("created_by"));
	}
}
