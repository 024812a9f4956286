package dev.subdesk.subscriptions;

import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.jurisdictions.ScheduledNotice;
import dev.subdesk.shared.Money;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The renewal engine's view of subscriptions: due work claimed in batches with {@code FOR UPDATE SKIP LOCKED}
 * and held by advisory locks while the gateway is called, so that several nodes renew together without doing one
 * attempt twice, and the outcomes applied in bulk. The database's uniqueness of successful charges per period is the last line of defence.
 */
@Service
public class RenewalQueue {

	/** Days after a failed renewal at T when the three retries run (dunning). */
	public static final int[] RETRY_DAYS = { 1, 3, 5 };

	/** How long before the period end a RENEWAL_REMINDER is due: the rule table's days for the term (filled in). */
	private static final String REMINDER_LEAD = "(CASE term WHEN 'P1Y' THEN interval '%1$d days' ELSE interval '%2$d days' END)";

	/**
	 * A renewal attempt due at or before {@code :until} by the column {@code %1$s} ({@code next_attempt_at} or
	 * {@code extra_attempt_at}): a live, auto-renewing subscription, a base or an add-on whose parent has not ended.
	 * The one predicate of the claim ({@link #CLAIM}) and of the check whether anything is due at all
	 * ({@link #ANY_DUE}), so that the two never drift apart: the check says no only when the claim would take nothing.
	 */
	private static final String DUE = """
			s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew
			  AND s.%1$s <= :until
			  AND (s.parent_id IS NULL OR EXISTS (SELECT 1 FROM subscriptions p
			                                      WHERE p.id = s.parent_id AND p.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE')))""";

	/**
	 * Claims due attempts: rows locked with {@code FOR UPDATE SKIP LOCKED} for the claim itself, and held after it
	 * by a session-level advisory lock of the claiming connection, which the gateway call does not keep in a
	 * transaction. A crashed node's connections close and its claims are free at once. The sweep of pending money
	 * records takes the same lock ({@code hashtextextended(id, 0)}, billing.Billing#reconcilePending) while it settles
	 * a renewal attempt, so it never judges one a run still holds. Extra attempts (a PAST_DUE subscription got a new
	 * card) come first, then the regular ones in due order.
	 */
	private static final String CLAIM = """
			SELECT s.*, least(s.extra_attempt_at, s.next_attempt_at) AS due_at,
			       coalesce(s.extra_attempt_at <= :until, false) AS extra
			FROM subscriptions s
			WHERE %1$s
			  AND (s.parent_id IS NULL) = :bases
			  AND s.id <> ALL(:skip::text[])
			  AND pg_try_advisory_lock(hashtextextended(s.id, 0))
			ORDER BY s.%2$s
			LIMIT :limit
			FOR UPDATE OF s SKIP LOCKED
			""";

	private static final String CLAIM_EXTRA = CLAIM.formatted(DUE.formatted("extra_attempt_at"), "extra_attempt_at");

	private static final String CLAIM_NEXT = CLAIM.formatted(DUE.formatted("next_attempt_at"), "next_attempt_at");

	/**
	 * Whether any attempt is due at or before {@code :until}, bases or add-ons ({@link #DUE}): one statement, each side
	 * along its partial index, before a run starts its workers, each of which opens a claim of its own.
	 */
	private static final String ANY_DUE = """
			SELECT EXISTS (SELECT 1 FROM subscriptions s WHERE %s)
			    OR EXISTS (SELECT 1 FROM subscriptions s WHERE %s)
			""".formatted(DUE.formatted("extra_attempt_at"), DUE.formatted("next_attempt_at"));

	/**
	 * The earliest renewal attempt of the live auto-renewing subscriptions, NULL when there is none: the same as
	 * {@code min(least(next_attempt_at, extra_attempt_at))} over them ({@code least} and {@code min} both pass over
	 * NULLs, and the minimum of none is NULL), but each side a minimum of its own column, found along its partial index
	 * ({@code subscriptions_attempt_due_idx}, {@code subscriptions_extra_attempt_idx}) rather than by reading every
	 * live subscription.
	 */
	static final String EARLIEST_ATTEMPT = """
			least((SELECT min(next_attempt_at) FROM subscriptions
			       WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew),
			      (SELECT min(extra_attempt_at) FROM subscriptions
			       WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew))""";

	/** How late the earliest attempt is at {@code :now}, in seconds (zero when none is late). */
	static final String LAG = "SELECT greatest(0, coalesce(extract(epoch FROM (:now - %s))::bigint, 0))"
		.formatted(EARLIEST_ATTEMPT);

	/**
	 * Due reminders, found along the renewal-attempt index: an ACTIVE auto-renewing subscription's next attempt
	 * is its period end, and no reminder is ever more than the longest lead ahead of it.
	 */
	private static final String CLAIM_REMINDERS = """
			WITH due AS (
			    SELECT id FROM subscriptions
			    WHERE status IN ('ACTIVE', 'PAST_DUE') AND auto_renew%3$s
			      AND next_attempt_at <= CAST(:until AS timestamptz) + interval '%1$d days'
			      AND status = 'ACTIVE' AND channel = 'DIRECT' AND next_attempt_at = current_period_end
			      AND reminded_for IS DISTINCT FROM current_period_end
			      AND current_period_end - %2$s <= :until
			    ORDER BY next_attempt_at
			    LIMIT :limit
			    FOR UPDATE SKIP LOCKED)
			UPDATE subscriptions s SET reminded_for = s.current_period_end FROM due WHERE s.id = due.id
			RETURNING s.*
			""";

	/**
	 * Yearly subscriptions whose pre-billing notice (R-CARD-3) for the coming renewal has not gone out; found
	 * along the renewal-attempt index like the reminders.
	 */
	private static final String PRE_BILLING_PENDING = """
			status = 'ACTIVE' AND auto_renew AND channel = 'DIRECT' AND term = 'P1Y'
			  AND next_attempt_at = current_period_end AND billing_noticed_for IS DISTINCT FROM current_period_end
			""";

	private static final String CLAIM_PRE_BILLING = """
			WITH due AS (
			    SELECT id FROM subscriptions
			    WHERE %s
			      AND next_attempt_at <= CAST(:until AS timestamptz) + interval '%d days'
			    ORDER BY next_attempt_at
			    LIMIT :limit
			    FOR UPDATE SKIP LOCKED)
			UPDATE subscriptions s SET billing_noticed_for = s.current_period_end FROM due WHERE s.id = due.id
			RETURNING s.*
			""";

	/**
	 * Subscriptions (of the terms the rule table's notice names) whose current period is a promotion, started by the
	 * renewal charged an accepted discount ({@code discounted_renewal_at}), and whose notice before the renewal ending
	 * it (back to the full price, R-CA-6) has not gone out; never for one set to end. The same mark as the pre-billing
	 * notice ({@code billing_noticed_for}): one UPCOMING_CHARGE per subscription and renewal, whichever rule sends it.
	 * {@code status = 'ACTIVE' AND discounted_renewal_at = current_period_start} is the predicate of the partial index
	 * it is found along (V451): keep them as they are.
	 */
	private static final String PROMOTION_ENDING_PENDING = """
			status = 'ACTIVE' AND auto_renew AND channel = 'DIRECT' AND term = ANY(CAST(:terms AS text[]))
			  AND next_attempt_at = current_period_end AND billing_noticed_for IS DISTINCT FROM current_period_end
			  AND discounted_renewal_at = current_period_start%s
			""";

	/**
	 * Only the customers the notice is for (their account's table entry lists one of its rules), unless every yearly
	 * renewal gets the UPCOMING_CHARGE (the pre-billing notice, R-CARD-3, switched on): the claim marks the notice
	 * sent, and one marked for a customer it is not sent to would stand for the pre-billing notice should its switch
	 * be turned on before that renewal (which then never got it).
	 */
	private static final String PROMOTION_ENDING_CUSTOMERS = """

			  AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = subscriptions.account_id AND %s)""";

	/** Claims due notices of a promotion's end (at once for one due before now) and marks them sent. */
	private static final String CLAIM_PROMOTION_ENDING = """
			WITH due AS (
			    SELECT id FROM subscriptions
			    WHERE %s%s
			      AND next_attempt_at <= CAST(:until AS timestamptz) + make_interval(days => :lead)
			    ORDER BY next_attempt_at
			    LIMIT :limit
			    FOR UPDATE SKIP LOCKED)
			UPDATE subscriptions s SET billing_noticed_for = s.current_period_end FROM due WHERE s.id = due.id
			RETURNING s.*
			""";

	/**
	 * Due TRIAL_ENDING notices, found along the renewal-attempt index like the reminders: a trial's next attempt is
	 * its conversion at the trial's end. {@code reminded_for} marks it sent for that end (the first paid period's
	 * RENEWAL_REMINDER is for a later end).
	 */
	private static final String CLAIM_TRIAL_ENDING = """
			WITH due AS (
			    SELECT id FROM subscriptions
			    WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew
			      AND next_attempt_at <= CAST(:until AS timestamptz) + make_interval(days => :lead)
			      AND status = 'TRIALING' AND channel = 'DIRECT' AND next_attempt_at = current_period_end
			      AND reminded_for IS DISTINCT FROM current_period_end
			    ORDER BY next_attempt_at
			    LIMIT :limit
			    FOR UPDATE SKIP LOCKED)
			UPDATE subscriptions s SET reminded_for = s.current_period_end FROM due WHERE s.id = due.id
			RETURNING s.*
			""";

	/**
	 * Moves each subscription to its next period. {@code discounted_renewal_at}: a discount accepted for this renewal
	 * (the old period end, Subscriptions#setRenewalPrice) stays, as the new period's start, only when this renewal
	 * charged it ({@code v.discounted}, Renewal#discounted): the period it starts is then a promotion (R-CA-6). Else it
	 * is cleared: a plan's price change that applied here instead, or any renewal after the discounted one.
	 */
	private static final String RENEW = """
			UPDATE subscriptions s SET period_index = s.period_index + 1, current_period_start = s.current_period_end,
			    current_period_end = v.new_end, next_attempt_at = v.new_end, extra_attempt_at = NULL,
			    dunning_attempts = 0, status = 'ACTIVE', price_amount = v.price,
			    discounted_renewal_at = CASE WHEN v.discounted AND s.discounted_renewal_at = s.current_period_end
			                                 THEN s.current_period_end END,
			    version = s.version + 1
			FROM unnest(:ids::text[], :ends::timestamptz[], :prices::bigint[], :olds::timestamptz[], :discounted::boolean[])
			     AS v(id, new_end, price, old_end, discounted)
			WHERE s.id = v.id AND s.current_period_end = v.old_end AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE')
			  AND s.auto_renew
			RETURNING s.*
			""";

	/**
	 * Of claimed attempts about to be sent to the gateway, the subscriptions still due as they were claimed (live,
	 * auto-renewing, in the same period), each share-locked for the moment of this statement. Its own transaction,
	 * committed before the gateway is asked: a cancellation (or anything else that changes the row) that committed
	 * first is seen here, however late after the claim (a locked row that changed since the statement's snapshot is
	 * judged in its newest version), and its subscription is not sent; one still under way holds the row and the
	 * subscription is skipped (it waits for the next run, should the change roll back); one that comes after waits for
	 * this statement, and its attempt was sent first. No wait, so no deadlock with a cancellation locking its rows;
	 * its commit does not wait for the disk: the locks are gone with a crash anyway.
	 */
	private static final String STILL_DUE_TO_SEND = """
			WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true))
			SELECT s.id
			FROM no_wait, subscriptions s JOIN unnest(:ids::text[], :ends::timestamptz[]) AS v(id, period_end) ON s.id = v.id
			WHERE s.current_period_end = v.period_end AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew
			FOR SHARE OF s SKIP LOCKED
			""";

	/**
	 * The earliest renewal attempt ({@link #EARLIEST_ATTEMPT}), RENEWAL_REMINDER or TRIAL_ENDING notice still to run,
	 * NULL when there is none. A reminder is due its term's lead ({@code %2$d} days for P1Y, {@code %3$d} for any other
	 * term, as {@link #REMINDER_LEAD}) before its period end, which is its next attempt ({@code next_attempt_at =
	 * current_period_end}): so the minimum of {@code current_period_end - lead} is, per term, the minimum of
	 * {@code next_attempt_at} less that term's lead, each found along the renewal-attempt index
	 * ({@code subscriptions_attempt_due_idx}) instead of by reading every subscription; the trials' the same, along
	 * their own ({@code subscriptions_trial_ending_idx}, V810). {@code least} and {@code min} pass over NULLs.
	 */
	private static final String NEXT_DUE = """
			SELECT least(%1$s,
			    (SELECT min(next_attempt_at) FROM subscriptions
			     WHERE %4$s AND term = 'P1Y') - interval '%2$d days',
			    (SELECT min(next_attempt_at) FROM subscriptions
			     WHERE %4$s AND term IS DISTINCT FROM 'P1Y') - interval '%3$d days',
			    (SELECT min(next_attempt_at) FROM subscriptions
			     WHERE status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND auto_renew AND status = 'TRIALING' AND channel = 'DIRECT'
			       AND next_attempt_at = current_period_end AND reminded_for IS DISTINCT FROM current_period_end)
			    - interval '%5$d days')
			""";

	/** The subscriptions whose RENEWAL_REMINDER for the current period is still to go out ({@link #NEXT_DUE}). */
	private static final String REMINDER_PENDING = """
			status IN ('ACTIVE', 'PAST_DUE') AND auto_renew AND status = 'ACTIVE' AND channel = 'DIRECT'
			       AND next_attempt_at = current_period_end AND reminded_for IS DISTINCT FROM current_period_end""";

	/** A renewal attempt that is due: the subscription, when it was due, and whether it is the extra attempt. */
	public record Due(Subscription subscription, Instant dueAt, boolean extraAttempt, int dunningAttempts) {

		/** The attempt's number for the period: 0 the renewal itself, 1-3 the retries, -1 an extra attempt. */
		public int attemptNumber() {
			return extraAttempt ? -1 : subscription.status() == Subscription.Status.PAST_DUE ? dunningAttempts + 1 : 0;
		}
	}

	/**
	 * A successful renewal: the subscription moves from the period ending {@code oldPeriodEnd} to the next, whose
	 * renewal costs {@code price}. {@code discounted}: this renewal charged the subscription's own price below the
	 * regular one after it ({@link SubscriptionPriceChanges.Renewing#chargesAcceptedDiscount}); with a discount
	 * accepted for it, the period it starts is a promotion ({@code discounted_renewal_at}, R-CA-6).
	 */
	public record Renewal(String subscriptionId, Instant oldPeriodEnd, Instant newPeriodEnd, Money price,
			boolean discounted) {
	}

	private final JdbcClient jdbc;
	private final DataSource dataSource;
	private final Subscriptions subscriptions;
	private final ApplicationEventPublisher events;
	private final String claimReminders;
	private final String claimReminderOf;
	private final String claimPreBilling;
	private final String nextDue;
	private final int preBillingDays;
	private final int trialEndingDays;
	/** The days ahead of a promotion's end that its notice goes out (-1: the rule table has none). */
	private final int promotionEndingDays;
	private final String[] promotionEndingTerms;
	/** {@link #PROMOTION_ENDING_PENDING} for the customers the notice goes to. */
	private final String promotionEndingPending;

	/**
	 * The notice leads come from the rule table ({@link Jurisdictions#notices()}): one schedule for every customer,
	 * timed for the strictest rule (R-CA-7's 15-45 days for yearly plans, R-CARD-3's 3-7 days before billing).
	 */
	RenewalQueue(JdbcClient jdbc, DataSource dataSource, Subscriptions subscriptions, Jurisdictions jurisdictions,
			ApplicationEventPublisher events) {
		int yearly = jurisdictions.daysBefore(ScheduledNotice.RENEWAL_REMINDER, "P1Y");
		int monthly = jurisdictions.daysBefore(ScheduledNotice.RENEWAL_REMINDER, "P1M");
		String lead = REMINDER_LEAD.formatted(yearly, monthly);
		this.claimReminders = CLAIM_REMINDERS.formatted(Math.max(yearly, monthly), lead, "");
		this.claimReminderOf = CLAIM_REMINDERS.formatted(Math.max(yearly, monthly), lead, " AND id = :id");
		this.preBillingDays = jurisdictions.daysBefore(ScheduledNotice.UPCOMING_CHARGE, "P1Y");
		this.claimPreBilling = CLAIM_PRE_BILLING.formatted(PRE_BILLING_PENDING, preBillingDays);
		this.trialEndingDays = Math.max(jurisdictions.daysBefore(ScheduledNotice.TRIAL_ENDING, "P1Y"),
				jurisdictions.daysBefore(ScheduledNotice.TRIAL_ENDING, "P1M"));
		this.nextDue = NEXT_DUE.formatted(EARLIEST_ATTEMPT, yearly, monthly, REMINDER_PENDING, trialEndingDays);
		var promotion = jurisdictions.promotionEndingNotice();
		this.promotionEndingDays = promotion.map(dev.subdesk.jurisdictions.NoticeRule::daysBefore).orElse(-1);
		this.promotionEndingTerms = promotion.map(n -> n.terms().toArray(String[]::new)).orElse(new String[0]);
		this.promotionEndingPending = PROMOTION_ENDING_PENDING.formatted(
				promotion.isEmpty() || jurisdictions.noticeActive(ScheduledNotice.UPCOMING_CHARGE) ? ""
						: PROMOTION_ENDING_CUSTOMERS.formatted(
								jurisdictions.servesAnyOfSql(promotion.get().rules(), "a.country", "a.region")));
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.subscriptions = subscriptions;
		this.events = events;
	}

	/** Opens a claimer: one connection that holds this worker's claims until it closes. */
	public Claimer claimer() {
		try {
			return new Claimer(dataSource.getConnection());
		}
		catch (SQLException e) {
			throw new IllegalStateException("No database connection for the renewal claims", e);
		}
	}

	/**
	 * A worker's claims. Claimed subscriptions stay locked (advisory, session level) until {@link #unlock} or
	 * {@link #close}; the claim's own transaction is short and commits before the gateway is called.
	 */
	public final class Claimer implements AutoCloseable {

		private final Connection connection;
		private final JdbcClient session;

		private Claimer(Connection connection) throws SQLException {
			this.connection = connection;
			this.connection.setAutoCommit(false);
			this.session = JdbcClient.create(new SingleConnectionDataSource(connection, true));
		}

		/**
		 * Claims up to {@code limit} attempts due at or before {@code until}: base subscriptions, or add-ons
		 * whose parent has not ended, skipping {@code skip} (attempts of this run that got no answer: they repeat
		 * at the next run).
		 */
		public List<Due> claim(Instant until, boolean bases, int limit, java.util.Collection<String> skip) {
			try {
				List<Due> due = new ArrayList<>(claim("extra_attempt_at", until, bases, limit, skip));
				if (due.size() < limit) {
					// not those the first claim took: a subscription whose retry is due as well as its extra attempt
					// would come twice (this session's own locks do not skip it), and be charged for twice
					Set<String> taken = new HashSet<>(skip);
					due.forEach(d -> taken.add(d.subscription().id()));
					due.addAll(claim("next_attempt_at", until, bases, limit - due.size(), taken));
				}
				connection.commit();
				return due;
			}
			catch (SQLException | RuntimeException e) {
				rollbackQuietly();
				throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
			}
		}

		private List<Due> claim(String column, Instant until, boolean bases, int limit, java.util.Collection<String> skip) {
			return session.sql(column.equals("extra_attempt_at") ? CLAIM_EXTRA : CLAIM_NEXT)
				.param("until", Timestamp.from(until))
				.param("bases", bases)
				.param("skip", skip.toArray(String[]::new))
				.param("limit", limit)
				.query((rs, n) -> new Due(JdbcSubscriptionRepository.map(rs, n), rs.getTimestamp("due_at").toInstant(),
						rs.getBoolean("extra"), rs.getInt("dunning_attempts")))
				.list();
		}

		/**
		 * Frees this worker's claims once the batch's outcomes are recorded. All of them: the claim can also hold
		 * locks on rows it did not return (taken by the advisory lock, then skipped by {@code FOR UPDATE SKIP
		 * LOCKED} because another claim held the row at that instant), and those must not pile up.
		 */
		public void unlockAll() {
			session.sql("SELECT pg_advisory_unlock_all()").query().listOfRows();
			commitQuietly();
		}

		@Override
		public void close() {
			try {
				session.sql("SELECT pg_advisory_unlock_all()").query().listOfRows();
				connection.commit();
			}
			catch (SQLException | RuntimeException e) {
				rollbackQuietly();
			}
			finally {
				try {
					connection.setAutoCommit(true);
					connection.close();
				}
				catch (SQLException e) {
					// the pool discards a broken connection
				}
			}
		}

		private void commitQuietly() {
			try {
				connection.commit();
			}
			catch (SQLException e) {
				throw new IllegalStateException(e);
			}
		}

		private void rollbackQuietly() {
			try {
				connection.rollback();
			}
			catch (SQLException e) {
				// the connection is closed with the claimer
			}
		}
	}

	/**
	 * Claims the yearly subscriptions due for their pre-billing notice (7 days before the renewal, R-CARD-3) and
	 * marks it sent, in the caller's transaction with the notices.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimPreBillingNotices(Instant until, int limit) {
		return jdbc.sql(claimPreBilling)
			.param("until", Timestamp.from(until))
			.param("limit", limit)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/**
	 * When the earliest pending pre-billing notice is due: its lead before the period end, which is the next attempt
	 * ({@link #PRE_BILLING_PENDING}), so the minimum of {@code next_attempt_at}, along the renewal-attempt index.
	 */
	@Transactional(readOnly = true)
	public Optional<Instant> nextPreBillingNoticeDue() {
		return jdbc.sql(nextPreBillingNoticeDueSql())
			.query((rs, n) -> {
				Timestamp t = rs.getTimestamp(1);
				return t == null ? null : t.toInstant();
			})
			.optional();
	}

	/** The statement of {@link #nextPreBillingNoticeDue}. */
	String nextPreBillingNoticeDueSql() {
		return "SELECT min(next_attempt_at) - make_interval(days => %d) FROM subscriptions WHERE %s"
			.formatted(preBillingDays, PRE_BILLING_PENDING);
	}

	/** The statement of {@link #nextPromotionEndingNoticeDue} ({@code :lead}, {@code :terms}). */
	String nextPromotionEndingNoticeDueSql() {
		return "SELECT min(next_attempt_at) - make_interval(days => :lead) FROM subscriptions WHERE "
				+ promotionEndingPending;
	}

	/**
	 * Claims the subscriptions due for the notice of their promotion's end (the rule table's days before the renewal
	 * that ends a period charged an accepted discount; at once for one due earlier) and marks it sent, in the caller's
	 * transaction with the notices. Nothing while the rule table has no such notice.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimPromotionEndingNotices(Instant until, int limit) {
		return claimPromotionEnding("", null, until, limit);
	}

	/**
	 * Claims one subscription's notice of its promotion's end if it is due at or before {@code until} and was not
	 * sent (auto-renewal turned back on after its time), as {@link #claimPromotionEndingNotices}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimPromotionEndingNoticeOf(String subscriptionId, Instant until) {
		return claimPromotionEnding(" AND id = :id", subscriptionId, until, 1);
	}

	/** The claim of due notices of a promotion's end ({@code :terms}, {@code :until}, {@code :lead}, {@code :limit}). */
	String claimPromotionEndingSql(String filter) {
		return CLAIM_PROMOTION_ENDING.formatted(promotionEndingPending, filter);
	}

	private List<Subscription> claimPromotionEnding(String filter, @org.jspecify.annotations.Nullable String id,
			Instant until, int limit) {
		if (promotionEndingDays < 0) {
			return List.of();
		}
		var sql = jdbc.sql(claimPromotionEndingSql(filter))
			.param("terms", promotionEndingTerms)
			.param("until", Timestamp.from(until))
			.param("lead", promotionEndingDays)
			.param("limit", limit);
		if (id != null) {
			sql = sql.param("id", id);
		}
		return sql.query(JdbcSubscriptionRepository::map).list();
	}

	/**
	 * When the earliest pending notice of a promotion's end is due; empty while the rule table has none. Its lead
	 * before the period end, which is the next attempt ({@link #PROMOTION_ENDING_PENDING}), so the minimum of
	 * {@code next_attempt_at}, along the promotions' index (V451).
	 */
	@Transactional(readOnly = true)
	public Optional<Instant> nextPromotionEndingNoticeDue() {
		if (promotionEndingDays < 0) {
			return Optional.empty();
		}
		return jdbc.sql(nextPromotionEndingNoticeDueSql())
			.param("lead", promotionEndingDays)
			.param("terms", promotionEndingTerms)
			.query((rs, n) -> {
				Timestamp t = rs.getTimestamp(1);
				return t == null ? null : t.toInstant();
			})
			.optional();
	}

	/**
	 * Claims the trials whose TRIAL_ENDING notice is due (the rule table's days before the first charge; at once
	 * for a trial shorter than that) and marks it sent, in the caller's transaction with the notices.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimTrialEndingNotices(Instant until, int limit) {
		return jdbc.sql(CLAIM_TRIAL_ENDING)
			.param("until", Timestamp.from(until))
			.param("lead", trialEndingDays)
			.param("limit", limit)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/** Claims due RENEWAL_REMINDERs and marks them sent, in the caller's transaction with the notices. */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimReminders(Instant until, int limit) {
		return jdbc.sql(claimReminders)
			.param("until", Timestamp.from(until))
			.param("limit", limit)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/**
	 * Claims one subscription's RENEWAL_REMINDER, if it is due at or before {@code until} and not sent yet, and marks
	 * it sent, in the caller's transaction with the notice (as {@link #claimReminders}).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimReminderOf(String subscriptionId, Instant until) {
		return jdbc.sql(claimReminderOf)
			.param("id", subscriptionId)
			.param("until", Timestamp.from(until))
			.param("limit", 1)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/**
	 * Moves renewed (or store-rolled) subscriptions to their next period, ACTIVE, at their next price, but only
	 * those still renewable in the period that was charged: a subscription cancelled or renewed elsewhere while
	 * its charge was with the gateway is left alone. Returns the ids moved; the caller gives the others' money back.
	 * Their {@code subscription.renewed} events are recorded together, in the same transaction.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public java.util.Set<String> renewed(List<Renewal> renewals) {
		if (renewals.isEmpty()) {
			return java.util.Set.of();
		}
		List<Subscription> moved = jdbc.sql(RENEW)
			.param("ids", renewals.stream().map(Renewal::subscriptionId).toArray(String[]::new))
			.param("ends", renewals.stream().map(r -> Timestamp.from(r.newPeriodEnd())).toArray(Timestamp[]::new))
			.param("prices", renewals.stream().map(r -> r.price().amount()).toArray(Long[]::new))
			.param("olds", renewals.stream().map(r -> Timestamp.from(r.oldPeriodEnd())).toArray(Timestamp[]::new))
			.param("discounted", renewals.stream().map(Renewal::discounted).toArray(Boolean[]::new))
			.query(JdbcSubscriptionRepository::map)
			.list();
		events.publishEvent(DomainChange.batch(EventType.SUBSCRIPTION_RENEWED, moved));
		java.util.Set<String> ids = new java.util.HashSet<>(moved.size() * 2);
		moved.forEach(s -> ids.add(s.id()));
		return ids;
	}

	/**
	 * Whether the subscription is still due as it was claimed (locked now, in the caller's transaction): live,
	 * auto-renewing, in the same period. Not when it was cancelled, set to end or renewed while the gateway had the
	 * attempt: what the attempt's answer says then changes nothing, as a renewal's success would not either.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public boolean stillDue(Due due) {
		Subscription s = subscriptions.lock(due.subscription().id());
		boolean live = s.status() == Subscription.Status.TRIALING || s.status() == Subscription.Status.ACTIVE
				|| s.status() == Subscription.Status.PAST_DUE;
		return live && s.autoRenew() && s.currentPeriodEnd().equals(due.subscription().currentPeriodEnd());
	}

	/**
	 * The ids of {@code due}'s subscriptions still due as claimed at this instant ({@link #stillDue}, for a chunk of
	 * attempts in one statement): only those are sent to the gateway, right after this returns. Outside any
	 * transaction: its share locks are let go at once, never held over a gateway call. A subscription cancelled, set
	 * to end or renewed since its claim, or being changed right now, is not among them. After a confirmed cancellation
	 * no attempt of its subscription is sent (R-US-3): the cancellation and this statement meet on the subscription's
	 * row, and whichever commits first wins.
	 */
	public Set<String> stillDueToSend(List<Due> due) {
		if (org.springframework.transaction.support.TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("The renewals about to be sent are checked outside any transaction");
		}
		if (due.isEmpty()) {
			return Set.of();
		}
		return new HashSet<>(jdbc.sql(STILL_DUE_TO_SEND)
			.param("ids", due.stream().map(d -> d.subscription().id()).toArray(String[]::new))
			.param("ends", due.stream().map(d -> Timestamp.from(d.subscription().currentPeriodEnd())).toArray(Timestamp[]::new))
			.query(String.class)
			.list());
	}

	/**
	 * A declined attempt. The renewal itself or a retry moves the subscription to PAST_DUE with the next retry
	 * due; after the last retry it EXPIRES at {@code at}, its add-ons with it. An extra attempt moves nothing.
	 * Returns the subscriptions that expired.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> declined(Due due, Instant at) {
		Subscription s = subscriptions.lock(due.subscription().id());
		if (due.extraAttempt()) {
			jdbc.sql("UPDATE subscriptions SET extra_attempt_at = NULL WHERE id = :id")
				.param("id", s.id())
				.update();
			return List.of();
		}
		int retriesDone = s.status() == Subscription.Status.PAST_DUE ? due.dunningAttempts() + 1 : 0;
		if (retriesDone >= RETRY_DAYS.length) {
			List<Subscription> expired = new ArrayList<>();
			expired.add(expire(s, at));
			for (Subscription addOn : subscriptions.liveAddOns(s.id())) {
				expired.add(expire(subscriptions.lock(addOn.id()), at));
			}
			return expired;
		}
		jdbc.sql("""
				UPDATE subscriptions SET status = 'PAST_DUE', dunning_attempts = :done,
				    next_attempt_at = current_period_end + make_interval(days => :days), version = version + 1
				WHERE id = :id
				""").param("done", retriesDone).param("days", RETRY_DAYS[retriesDone]).param("id", s.id()).update();
		if (s.status() != Subscription.Status.PAST_DUE) {
			events.publishEvent(new DomainChange(EventType.SUBSCRIPTION_PAST_DUE, subscriptions.lock(s.id())));
		}
		return List.of();
	}

	private Subscription expire(Subscription s, Instant at) {
		jdbc.sql("UPDATE subscriptions SET next_attempt_at = NULL, extra_attempt_at = NULL WHERE id = :id")
			.param("id", s.id())
			.update();
		return subscriptions.end(s, Subscription.Status.EXPIRED, at, null);
	}

	/**
	 * Lets the current transaction commit without waiting for its WAL flush. Safe for recording renewals: if a
	 * crash loses the last few hundred milliseconds of commits, the lost attempts are due again and repeat
	 * with the same gateway idempotency keys, so the gateway answers what it did and charges nothing twice.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void commitWithoutWaitingForDisk() {
		jdbc.sql("SET LOCAL synchronous_commit TO OFF").update();
	}

	/**
	 * Whether any renewal attempt is due at or before {@code until}: when none is, a run claims nothing, and need not
	 * start its workers. One statement, outside any transaction.
	 */
	public boolean anyDue(Instant until) {
		return Boolean.TRUE.equals(jdbc.sql(ANY_DUE).param("until", Timestamp.from(until)).query(Boolean.class).single());
	}

	/** The statement of {@link #nextDue}, with the rule table's leads filled in. */
	String nextDueSql() {
		return nextDue;
	}

	/** The earliest renewal attempt, RENEWAL_REMINDER or TRIAL_ENDING notice still to run. */
	@Transactional(readOnly = true)
	public Optional<Instant> nextDue() {
		return jdbc.sql(nextDue).query((rs, n) -> {
			Timestamp t = rs.getTimestamp(1);
			return t == null ? null : t.toInstant();
		}).optional();
	}

	/** How late the oldest due attempt is at {@code now} (zero when nothing is late): the engine's lag. */
	@Transactional(readOnly = true)
	public long lagSeconds(Instant now) {
		return jdbc.sql(LAG).param("now", Timestamp.from(now)).query(Long.class).single();
	}
}
