package dev.subdesk.subscriptions;

import dev.subdesk.shared.Money;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The renewal engine's view of subscriptions: due work claimed in batches with {@code FOR UPDATE SKIP LOCKED}
 * and a lease, so that several nodes renew together without doing one attempt twice, and the outcomes applied
 * in bulk. The database's uniqueness of successful charges per period is the last line of defence.
 */
@Service
public class RenewalQueue {

	/** Days after a failed renewal at T when the three retries run (dunning). */
	public static final int[] RETRY_DAYS = { 1, 3, 5 };

	private static final String REMINDER_LEAD = "(CASE term WHEN 'P1Y' THEN interval '30 days' ELSE interval '3 days' END)";

	/** Regular attempts (the renewal and its retries) in due order, along the partial index on next_attempt_at. */
	private static final String CLAIM_RENEWALS = """
			WITH due AS (
			    SELECT s.id FROM subscriptions s
			    WHERE s.status IN ('ACTIVE', 'PAST_DUE') AND s.auto_renew AND s.next_attempt_at <= :until
			      AND (s.lease_until IS NULL OR s.lease_until < :now)
			      AND (s.parent_id IS NULL) = :bases
			      AND (s.parent_id IS NULL OR EXISTS (SELECT 1 FROM subscriptions p
			                                          WHERE p.id = s.parent_id AND p.status IN ('ACTIVE', 'PAST_DUE')))
			    ORDER BY s.next_attempt_at
			    LIMIT :limit
			    FOR UPDATE OF s SKIP LOCKED)
			UPDATE subscriptions s SET lease_until = :lease FROM due WHERE s.id = due.id
			RETURNING s.*, s.next_attempt_at AS due_at, false AS extra
			""";

	/** Extra attempts (a PAST_DUE subscription got a new card), which are rare. */
	private static final String CLAIM_EXTRA = """
			WITH due AS (
			    SELECT s.id FROM subscriptions s
			    WHERE s.status = 'PAST_DUE' AND s.auto_renew AND s.extra_attempt_at <= :until
			      AND (s.lease_until IS NULL OR s.lease_until < :now)
			      AND (s.parent_id IS NULL) = :bases
			    ORDER BY s.extra_attempt_at
			    LIMIT :limit
			    FOR UPDATE OF s SKIP LOCKED)
			UPDATE subscriptions s SET lease_until = :lease FROM due WHERE s.id = due.id
			RETURNING s.*, s.extra_attempt_at AS due_at, true AS extra
			""";

	private static final String CLAIM_REMINDERS = """
			WITH due AS (
			    SELECT id FROM subscriptions
			    WHERE status = 'ACTIVE' AND auto_renew AND channel = 'DIRECT'
			      AND reminded_for IS DISTINCT FROM current_period_end
			      AND current_period_end <= CAST(:until AS timestamptz) + interval '30 days' AND current_period_end - %s <= :until
			    ORDER BY current_period_end - %s, seq
			    LIMIT :limit
			    FOR UPDATE SKIP LOCKED)
			UPDATE subscriptions s SET reminded_for = s.current_period_end FROM due WHERE s.id = due.id
			RETURNING s.*
			""".formatted(REMINDER_LEAD, REMINDER_LEAD);

	private static final String RENEW = """
			UPDATE subscriptions s SET period_index = s.period_index + 1, current_period_start = s.current_period_end,
			    current_period_end = v.new_end, next_attempt_at = v.new_end, extra_attempt_at = NULL,
			    dunning_attempts = 0, status = 'ACTIVE', price_amount = v.price, lease_until = NULL,
			    version = s.version + 1
			FROM unnest(:ids::text[], :ends::timestamptz[], :prices::bigint[], :olds::timestamptz[])
			     AS v(id, new_end, price, old_end)
			WHERE s.id = v.id AND s.current_period_end = v.old_end AND s.status IN ('ACTIVE', 'PAST_DUE') AND s.auto_renew
			RETURNING s.id
			""";

	private static final String NEXT_DUE = """
			SELECT min(due) FROM (
			    SELECT min(least(next_attempt_at, extra_attempt_at)) AS due FROM subscriptions
			    WHERE status IN ('ACTIVE', 'PAST_DUE') AND auto_renew
			    UNION ALL
			    SELECT min(current_period_end - %s) FROM subscriptions
			    WHERE status = 'ACTIVE' AND auto_renew AND channel = 'DIRECT'
			      AND reminded_for IS DISTINCT FROM current_period_end
			) t
			""".formatted(REMINDER_LEAD);

	/** A renewal attempt that is due: the subscription, when it was due, and whether it is the extra attempt. */
	public record Due(Subscription subscription, Instant dueAt, boolean extraAttempt, int dunningAttempts) {

		/** The attempt's number for the period: 0 the renewal itself, 1-3 the retries, -1 an extra attempt. */
		public int attemptNumber() {
			return extraAttempt ? -1 : subscription.status() == Subscription.Status.PAST_DUE ? dunningAttempts + 1 : 0;
		}
	}

	/** A successful renewal: the subscription moves from the period ending {@code oldPeriodEnd} to the next. */
	public record Renewal(String subscriptionId, Instant oldPeriodEnd, Instant newPeriodEnd, Money price) {
	}

	private final JdbcClient jdbc;
	private final Subscriptions subscriptions;

	RenewalQueue(JdbcClient jdbc, Subscriptions subscriptions) {
		this.jdbc = jdbc;
		this.subscriptions = subscriptions;
	}

	/**
	 * Claims up to {@code limit} attempts due at or before {@code until}: base subscriptions, or add-ons whose
	 * parent has not ended. The lease keeps other nodes away while the gateway is called outside a transaction.
	 */
	@Transactional
	public List<Due> claimRenewals(Instant until, boolean bases, int limit, Instant now, Instant leaseUntil) {
		// A claim lost in a crash only means the attempts are claimed again: no need to wait for the disk.
		commitWithoutWaitingForDisk();
		List<Due> due = new ArrayList<>(claim(CLAIM_EXTRA, until, bases, limit, now, leaseUntil));
		if (due.size() < limit) {
			due.addAll(claim(CLAIM_RENEWALS, until, bases, limit - due.size(), now, leaseUntil));
		}
		return due;
	}

	private List<Due> claim(String sql, Instant until, boolean bases, int limit, Instant now, Instant leaseUntil) {
		return jdbc.sql(sql)
			.param("until", Timestamp.from(until))
			.param("now", Timestamp.from(now))
			.param("bases", bases)
			.param("limit", limit)
			.param("lease", Timestamp.from(leaseUntil))
			.query((rs, n) -> new Due(JdbcSubscriptionRepository.map(rs, n), rs.getTimestamp("due_at").toInstant(),
					rs.getBoolean("extra"), rs.getInt("dunning_attempts")))
			.list();
	}

	/** Claims due RENEWAL_REMINDERs and marks them sent, in the caller's transaction with the notices. */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Subscription> claimReminders(Instant until, int limit) {
		return jdbc.sql(CLAIM_REMINDERS)
			.param("until", Timestamp.from(until))
			.param("limit", limit)
			.query(JdbcSubscriptionRepository::map)
			.list();
	}

	/**
	 * Moves renewed (or store-rolled) subscriptions to their next period, ACTIVE, at their next price, but only
	 * those still renewable in the period that was charged: a subscription cancelled or renewed elsewhere while
	 * its charge was with the gateway is left alone. Returns the ids moved; the caller gives the others' money back.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public java.util.Set<String> renewed(List<Renewal> renewals) {
		if (renewals.isEmpty()) {
			return java.util.Set.of();
		}
		return new java.util.HashSet<>(jdbc.sql(RENEW)
			.param("ids", renewals.stream().map(Renewal::subscriptionId).toArray(String[]::new))
			.param("ends", renewals.stream().map(r -> Timestamp.from(r.newPeriodEnd())).toArray(Timestamp[]::new))
			.param("prices", renewals.stream().map(r -> r.price().amount()).toArray(Long[]::new))
			.param("olds", renewals.stream().map(r -> Timestamp.from(r.oldPeriodEnd())).toArray(Timestamp[]::new))
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
			jdbc.sql("UPDATE subscriptions SET extra_attempt_at = NULL, lease_until = NULL WHERE id = :id")
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
				UPDATE subscriptions SET status = 'PAST_DUE', dunning_attempts = :done, lease_until = NULL,
				    next_attempt_at = current_period_end + make_interval(days => :days), version = version + 1
				WHERE id = :id
				""").param("done", retriesDone).param("days", RETRY_DAYS[retriesDone]).param("id", s.id()).update();
		return List.of();
	}

	private Subscription expire(Subscription s, Instant at) {
		jdbc.sql("UPDATE subscriptions SET lease_until = NULL, next_attempt_at = NULL, extra_attempt_at = NULL WHERE id = :id")
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

	/** Gives claimed attempts back: the gateway gave no answer, the next run repeats them with the same key. */
	@Transactional
	public void release(List<String> subscriptionIds) {
		if (!subscriptionIds.isEmpty()) {
			jdbc.sql("UPDATE subscriptions SET lease_until = NULL WHERE id = ANY(:ids::text[])")
				.param("ids", subscriptionIds.toArray(String[]::new))
				.update();
		}
	}

	/** The earliest renewal attempt or reminder still to run. */
	@Transactional(readOnly = true)
	public Optional<Instant> nextDue() {
		return jdbc.sql(NEXT_DUE).query((rs, n) -> {
			Timestamp t = rs.getTimestamp(1);
			return t == null ? null : t.toInstant();
		}).optional();
	}

	/** How late the oldest due attempt is at {@code now} (zero when nothing is late): the engine's lag. */
	@Transactional(readOnly = true)
	public long lagSeconds(Instant now) {
		return jdbc.sql("""
				SELECT greatest(0, coalesce(extract(epoch FROM (:now - min(least(next_attempt_at, extra_attempt_at))))::bigint, 0))
				FROM subscriptions WHERE status IN ('ACTIVE', 'PAST_DUE') AND auto_renew
				""").param("now", Timestamp.from(now)).query(Long.class).single();
	}
}
