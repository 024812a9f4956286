package dev.subdesk.subscriptions;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Term;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class JdbcSubscriptionRepository {

	static final String COLUMNS = """
			id, account_id, plan_code, order_number, channel, status, auto_renew, term, anchor, period_index,
			current_period_start, current_period_end, cancel_at, cancelled_at, scheduled_by, parent_id,
			payment_method_id, price_amount, currency, device_limit, created_at, seq, store_grace_until""";

	private static final String INSERT = """
			INSERT INTO subscriptions (id, account_id, plan_code, order_number, channel, status, auto_renew, term, anchor,
			    period_index, current_period_start, current_period_end, parent_id, payment_method_id, price_amount,
			    currency, device_limit, created_at, next_attempt_at)
			VALUES (:id, :account, :plan, :order, :channel, :status, true, :term, :anchor, :index, :start, :end, :parent,
			    :pm, :price, :currency, :devices, :at, :end)
			ON CONFLICT (order_number) DO NOTHING
			""";

	private static final String UPDATE = """
			UPDATE subscriptions SET status = :status, auto_renew = :autoRenew, period_index = :index,
			    current_period_start = :start, current_period_end = :end, cancel_at = :cancelAt,
			    cancelled_at = :cancelledAt, scheduled_by = :scheduledBy, payment_method_id = :pm,
			    price_amount = :price, store_grace_until = :graceUntil,
			    ended_at = CASE WHEN :status IN ('CANCELLED', 'EXPIRED') THEN COALESCE(:endedAt, ended_at) END,
			    version = version + 1
			WHERE id = :id
			""";

	private final JdbcClient jdbc;

	JdbcSubscriptionRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Inserts a new subscription unless its order number is taken (then nothing changes and the answer is false;
	 * a concurrent insert of the same number is waited for).
	 */
	boolean insert(Subscription s) {
		return jdbc.sql(INSERT)
			.param("id", s.id())
			.param("account", s.accountId())
			.param("plan", s.planCode())
			.param("order", s.orderNumber())
			.param("channel", s.channel().name())
			.param("status", s.status().name())
			.param("index", s.periodIndex())
			.param("term", s.term().name())
			.param("anchor", ts(s.anchor()))
			.param("start", ts(s.currentPeriodStart()))
			.param("end", ts(s.currentPeriodEnd()))
			.param("parent", s.parentId())
			.param("pm", s.paymentMethodId())
			.param("price", s.price().amount())
			.param("currency", s.price().currency())
			.param("devices", s.deviceLimit())
			.param("at", ts(s.createdAt()))
			.update() == 1;
	}

	/** Writes a subscription's plan, term, price and seats, and where its periods count from (a store's plan change). */
	void updatePlan(Subscription s) {
		jdbc.sql("""
				UPDATE subscriptions SET plan_code = :plan, term = :term, price_amount = :price, currency = :currency,
				    device_limit = :seats, anchor = :anchor, period_index = :index, current_period_start = :start,
				    current_period_end = :end, version = version + 1
				WHERE id = :id
				""")
			.param("plan", s.planCode())
			.param("term", s.term().name())
			.param("anchor", ts(s.anchor()))
			.param("index", s.periodIndex())
			.param("start", ts(s.currentPeriodStart()))
			.param("end", ts(s.currentPeriodEnd()))
			.param("price", s.price().amount())
			.param("currency", s.price().currency())
			.param("seats", s.deviceLimit())
			.param("id", s.id())
			.update();
	}

	/**
	 * A discount accepted for the next renewal of {@code s} (its price now) that is lower than the new price of a
	 * change pending for that renewal is charged there: the change then applies from the renewal after, and is told
	 * again inside the window before it ({@link SubscriptionPriceChanges#HOLD_FOR_KEPT_DISCOUNT}).
	 */
	void holdPriceChangeForKeptDiscount(Subscription s) {
		jdbc.sql(SubscriptionPriceChanges.HOLD_FOR_KEPT_DISCOUNT)
			.param("sub", s.id())
			.param("renewal", ts(s.currentPeriodEnd()))
			.param("next", ts(s.nextPeriodEnd()))
			.param("price", s.price().amount())
			.update();
	}

	/**
	 * Writes a subscription's state. The end of its contract ({@code ended_at}) is kept while it stays ended and
	 * cleared should it ever be live again; {@link #updateEnded} records it.
	 */
	void update(Subscription s) {
		write(s, null);
	}

	/** Writes a subscription that has just ended, with the instant its contract ended (R-US-2's "contract ends"). */
	void updateEnded(Subscription s, Instant endedAt) {
		if (!s.ended()) {
			throw new IllegalArgumentException("not ended: " + s.id() + " is " + s.status());
		}
		write(s, endedAt);
	}

	private void write(Subscription s, @Nullable Instant endedAt) {
		jdbc.sql(UPDATE)
			.param("status", s.status().name())
			.param("autoRenew", s.autoRenew())
			.param("index", s.periodIndex())
			.param("start", ts(s.currentPeriodStart()))
			.param("end", ts(s.currentPeriodEnd()))
			.param("cancelAt", ts(s.cancelAt()))
			.param("cancelledAt", ts(s.cancelledAt()))
			.param("scheduledBy", s.scheduledBy())
			.param("pm", s.paymentMethodId())
			.param("price", s.price().amount())
			.param("graceUntil", ts(s.storeGraceUntil()))
			.param("endedAt", ts(endedAt))
			.param("id", s.id())
			.update();
	}

	/** When the renewal engine looks at a subscription next (null: not until something else sets it). */
	void nextAttemptAt(String id, @Nullable Instant at) {
		jdbc.sql("UPDATE subscriptions SET next_attempt_at = :at, extra_attempt_at = NULL, dunning_attempts = 0 WHERE id = :id")
			.param("at", ts(at))
			.param("id", id)
			.update();
	}

	/**
	 * Marks the renewal at {@code renewal} as the one a discount was accepted for; the renewal keeps the mark (the
	 * period it starts is a promotion) only if it charges the discount (RenewalQueue's RENEW).
	 */
	void discountAcceptedFor(String id, Instant renewal) {
		jdbc.sql("UPDATE subscriptions SET discounted_renewal_at = :at WHERE id = :id")
			.param("at", ts(renewal))
			.param("id", id)
			.update();
	}

	/** Marks a trial's TRIAL_ENDING notice sent for its end (as the renewal engine's claim does). */
	void trialEndingSent(String id) {
		jdbc.sql("UPDATE subscriptions SET reminded_for = current_period_end WHERE id = :id").param("id", id).update();
	}

	/** One extra renewal attempt due at {@code at}, for a PAST_DUE subscription that got a new card. */
	void extraAttemptAt(String id, Instant at) {
		jdbc.sql("UPDATE subscriptions SET extra_attempt_at = :at WHERE id = :id AND status = 'PAST_DUE'")
			.param("at", ts(at))
			.param("id", id)
			.update();
	}

	Optional<Subscription> find(String id) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE id = :id")
			.param("id", id)
			.query(JdbcSubscriptionRepository::map)
			.optional();
	}

	Optional<Subscription> lock(String id) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE id = :id FOR UPDATE")
			.param("id", id)
			.query(JdbcSubscriptionRepository::map)
			.optional();
	}

	Optional<Subscription> findByOrderNumber(String orderNumber) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE order_number = :order")
			.param("order", orderNumber)
			.query(JdbcSubscriptionRepository::map)
			.optional();
	}

	List<Subscription> byAccount(String accountId) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE account_id = :account ORDER BY created_at, seq")
			.param("account", accountId)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	List<Subscription> page(String accountId, Page.Request request) {
		return jdbc.sql("SELECT " + COLUMNS + """
				 FROM subscriptions WHERE account_id = :account AND (created_at, seq) < (:afterAt, :afterSeq)
				ORDER BY created_at DESC, seq DESC LIMIT :limit
				""")
			.param("account", accountId)
			.param("afterAt", ts(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	List<Subscription> addOnsOf(String parentId) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE parent_id = :parent ORDER BY created_at, seq")
			.param("parent", parentId)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/**
	 * A subscription and its add-ons (none for an add-on) in one statement, the subscription first, then the add-ons
	 * oldest first; {@code lock}: locked in that order (the order every locker of several takes them in).
	 */
	List<Subscription> withAddOns(String id, boolean lock) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE id = :id OR parent_id = :id"
				+ " ORDER BY id <> :id, created_at, seq" + (lock ? " FOR UPDATE" : ""))
			.param("id", id)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/** A subscription with its holder's account, in one row. */
	record Held(Subscription subscription, Account holder) {
	}

	/**
	 * {@link #withAddOns} unlocked, each row with the account that holds it (one account: add-ons are their base's
	 * account's), in one statement.
	 */
	List<Held> withAddOnsAndHolder(String id) {
		return jdbc.sql("SELECT " + QUALIFIED_COLUMNS + ", " + Accounts.HOLDER_COLUMNS
				+ " FROM subscriptions s JOIN accounts a ON a.id = s.account_id WHERE s.id = :id OR s.parent_id = :id"
				+ " ORDER BY s.id <> :id, s.created_at, s.seq")
			.param("id", id)
			.query((rs, n) -> new Held(map(rs, n), Accounts.holder(rs)))
			.list();
	}

	private static final String QUALIFIED_COLUMNS = COLUMNS.replaceAll("(\\w+)", "s.$1");

	List<Subscription> scheduledBy(String confirmationNumber) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM subscriptions WHERE scheduled_by = :number ORDER BY created_at, seq")
			.param("number", confirmationNumber)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/** Ids of subscriptions whose scheduled end is due at or before {@code until}, earliest first. */
	List<String> dueToEnd(Instant until, int limit) {
		return jdbc.sql("""
				SELECT id FROM subscriptions WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND cancel_at IS NOT NULL
				AND cancel_at <= :until ORDER BY cancel_at, seq LIMIT :limit
				""").param("until", ts(until)).param("limit", limit).query(String.class).list();
	}

	Optional<Instant> nextScheduledEnd() {
		return jdbc.sql("""
				SELECT min(cancel_at) FROM subscriptions WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND cancel_at IS NOT NULL
				""").query((rs, n) -> {
			Timestamp t = rs.getTimestamp(1);
			return t == null ? null : t.toInstant();
		}).optional();
	}

	static @Nullable Timestamp ts(@Nullable Instant instant) {
		return instant == null ? null : Timestamp.from(instant);
	}

	static Subscription map(ResultSet rs, int row) throws SQLException {
		return new Subscription(rs.getString("id"), rs.getString("account_id"), rs.getString("plan_code"),
				rs.getString("order_number"), Channel.valueOf(rs.getString("channel")),
				Subscription.Status.valueOf(rs.getString("status")), rs.getBoolean("auto_renew"),
				Term.parse(rs.getString("term")), instant(rs, "anchor"), rs.getInt("period_index"),
				instant(rs, "current_period_start"), instant(rs, "current_period_end"), instant(rs, "cancel_at"),
				instant(rs, "cancelled_at"), rs.getString("scheduled_by"), rs.getString("parent_id"),
				rs.getString("payment_method_id"), Money.of(rs.getLong("price_amount"), rs.getString("currency")),
				rs.getInt("device_limit"), instant(rs, "created_at"), rs.getLong("seq"),
				nullableInstant(rs, "store_grace_until"));
	}

	private static @Nullable Instant nullableInstant(ResultSet rs, String column) throws SQLException {
		Timestamp t = rs.getTimestamp(column);
		return t == null ? null : t.toInstant();
	}

	@SuppressWarnings("NullAway")
	private static Instant instant(ResultSet rs, String column) throws SQLException {
		Timestamp t = rs.getTimestamp(column);
		return t == null ? null : t.toInstant();
	}
}
