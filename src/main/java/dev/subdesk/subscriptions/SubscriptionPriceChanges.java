package dev.subdesk.subscriptions;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.catalog.Plan;
import dev.subdesk.catalog.PriceChange;
import dev.subdesk.catalog.PriceChanges;
import dev.subdesk.catalog.Term;
import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.jurisdictions.ScheduledNotice;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Price changes as they reach existing subscribers (R-CA-8, R-NY-2, EU consent). For a plan's change that moves
 * existing subscribers, each DIRECT auto-renewing subscription bought before it gets one PRICE_CHANGE notice the
 * rule table's days before its first renewal at or after the effective instant (at once when that is already
 * closer but still inside the rules' windows; later than that, the notice waits for the lead before the renewal
 * after it). A renewal that keeps an accepted discount lower than the new price is charged the discount; the new
 * price takes effect at the renewal after it, and is charged there only after a notice inside the window before it:
 * the change is told again then ({@link SubscriptionPriceChange#toBeToldAgainFor}), and, where consent is required,
 * the subscription ends there, not at the discounted renewal, without it. The renewal engine
 * asks {@link #atRenewal} in bulk which price each renewal charges; where the customer's jurisdiction requires
 * consent to an increase and none is recorded by the renewal, the renewal engine ends the subscription at the
 * term's end instead ({@link #claimLapsed}). The subscription's own price is untouched until the change applies.
 */
@Service
public class SubscriptionPriceChanges {

	private static final String CLAIM_NOTICES = """
			SELECT s.* FROM subscriptions s
			WHERE s.plan_code = :plan AND s.currency = :currency AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew
			  AND s.cancel_at IS NULL AND s.channel = 'DIRECT' AND s.created_at < :from
			  AND s.current_period_end >= :from AND s.current_period_end < :before
			  AND s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END) <= :until
			  AND s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END) >= :now
			  AND NOT EXISTS (SELECT 1 FROM subscription_price_changes p
			                  WHERE p.subscription_id = s.id AND p.price_change_id = :change)
			ORDER BY s.current_period_end
			LIMIT :limit
			FOR UPDATE OF s SKIP LOCKED
			""";

	private static final String NEXT_NOTICE_DUE = """
			SELECT min(s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END))
			FROM subscriptions s
			WHERE s.plan_code = :plan AND s.currency = :currency AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew
			  AND s.cancel_at IS NULL AND s.channel = 'DIRECT' AND s.created_at < :from
			  AND s.current_period_end >= :from AND s.current_period_end < :before
			  AND s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END) >= :now
			  AND NOT EXISTS (SELECT 1 FROM subscription_price_changes p
			                  WHERE p.subscription_id = s.id AND p.price_change_id = :change)
			""";

	/**
	 * Subscriptions whose pending change still has to be told ahead of their next renewal (its notice went out before
	 * that renewal's window: told ahead of a renewal that kept an accepted discount, or held for a renewal it missed),
	 * now that the window has come, while a notice can still land inside it.
	 */
	private static final String CLAIM_TELL_AGAIN = """
			SELECT s.* FROM subscription_price_changes p JOIN subscriptions s ON s.id = p.subscription_id
			WHERE p.status = 'PENDING' AND p.renewal_at <= s.current_period_end
			  AND p.notice_sent_at < s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END)
			  AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew AND s.cancel_at IS NULL AND s.channel = 'DIRECT'
			  AND s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END) <= :until
			  AND s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END) >= :now
			ORDER BY s.current_period_end
			LIMIT :limit
			FOR UPDATE OF s SKIP LOCKED
			""";

	private static final String NEXT_TELL_AGAIN_DUE = """
			SELECT min(s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END))
			FROM subscription_price_changes p JOIN subscriptions s ON s.id = p.subscription_id
			WHERE p.status = 'PENDING' AND p.renewal_at <= s.current_period_end
			  AND p.notice_sent_at < s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END)
			  AND s.status IN ('TRIALING', 'ACTIVE', 'PAST_DUE') AND s.auto_renew AND s.cancel_at IS NULL AND s.channel = 'DIRECT'
			  AND s.current_period_end - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END) >= :now
			""";

	/** The pending change told again: the renewal it now applies at and the notice that counts for it. */
	private static final String TOLD_AGAIN = """
			UPDATE subscription_price_changes p SET renewal_at = v.renewal, notice_sent_at = :sent
			FROM unnest(:subs::text[], :changes::text[], :renewals::timestamptz[]) AS v(sub, change, renewal)
			WHERE p.subscription_id = v.sub AND p.price_change_id = v.change AND p.status = 'PENDING'
			""";

	/** Older pending rows of a subscription whose newest pending change counts instead (from before supersession). */
	private static final String SUPERSEDE_OLDER = """
			UPDATE subscription_price_changes p SET status = 'SUPERSEDED', resolved_at = :at
			FROM unnest(:subs::text[], :changes::text[]) AS v(sub, change)
			WHERE p.subscription_id = v.sub AND p.price_change_id <> v.change AND p.status = 'PENDING'
			""";

	/**
	 * A discount accepted for the renewal a pending change is due at, lower than both the regular price the change
	 * was told from and its new price: the change moves to the renewal after (JdbcSubscriptionRepository).
	 */
	static final String HOLD_FOR_KEPT_DISCOUNT = """
			UPDATE subscription_price_changes SET renewal_at = :next
			WHERE subscription_id = :sub AND status = 'PENDING' AND renewal_at = :renewal
			  AND :price < old_amount AND :price < new_amount
			""";

	private static final String INSERT = """
			INSERT INTO subscription_price_changes (subscription_id, price_change_id, old_amount, new_amount, currency,
			                                        renewal_at, notice_sent_at, consent_required)
			SELECT * FROM unnest(:subs::text[], :changes::text[], :olds::bigint[], :news::bigint[], :currencies::text[],
			                     :renewals::timestamptz[], :sent::timestamptz[], :consent::boolean[])
			ON CONFLICT DO NOTHING
			RETURNING subscription_id
			""";

	/** The change each purchase's first renewal was told it charges (FirstRenewalPriceChanges.recordDisclosed). */
	private static final String DISCLOSED = """
			SELECT subscription_id, price_change_id FROM subscription_disclosed_price_changes
			WHERE subscription_id = ANY(:ids::text[])
			""";

	/**
	 * Disclosed changes not settled yet whose first renewal is now less than the least lead away: {@code told} where
	 * the notice went out in time, else it can no longer reach that renewal and the API's price went back to the
	 * subscription's own. Each is claimed once.
	 */
	private static final String CLAIM_UNSETTLED_DISCLOSURES = """
			SELECT s.*, d.renewal_at AS disclosed_renewal_at,
			       EXISTS (SELECT 1 FROM subscription_price_changes p
			               WHERE p.subscription_id = d.subscription_id AND p.price_change_id = d.price_change_id) AS told
			FROM subscription_disclosed_price_changes d JOIN subscriptions s ON s.id = d.subscription_id
			WHERE d.settled_at IS NULL
			  AND d.renewal_at - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END) <= :now
			ORDER BY d.renewal_at
			LIMIT :limit
			FOR UPDATE OF d, s SKIP LOCKED
			""";

	/** When the next disclosed change not told yet can no longer reach its renewal (for the test clock's advance). */
	private static final String NEXT_DISCLOSURE_LAPSE = """
			SELECT min(d.renewal_at - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END))
			FROM subscription_disclosed_price_changes d JOIN subscriptions s ON s.id = d.subscription_id
			WHERE d.settled_at IS NULL
			  AND NOT EXISTS (SELECT 1 FROM subscription_price_changes p
			                  WHERE p.subscription_id = d.subscription_id AND p.price_change_id = d.price_change_id)
			""";

	private static final String DISCLOSURES_SETTLED = """
			UPDATE subscription_disclosed_price_changes SET settled_at = :at WHERE subscription_id = ANY(:subs::text[])
			""";

	private static final String OF_SUBSCRIPTIONS = "SELECT * FROM subscription_price_changes WHERE subscription_id = ANY(:ids::text[])";

	/** The pending rows of subscriptions, the newest change first (the one that counts: older ones are superseded). */
	private static final String PENDING_NEWEST_FIRST = """
			SELECT p.* FROM subscription_price_changes p JOIN plan_price_changes c ON c.id = p.price_change_id
			WHERE p.subscription_id = ANY(:ids::text[]) AND p.status = 'PENDING'
			ORDER BY p.subscription_id, c.effective_from DESC, p.notice_sent_at DESC
			""";

	/**
	 * A newer change announced to these subscribers replaces their pending rows of older changes of the plan (a row a
	 * late notice of an earlier version held for a later renewal, or one whose renewal passed without it applying):
	 * the newest announced change is the one their renewals charge, never an older one after it.
	 */
	private static final String SUPERSEDE = """
			UPDATE subscription_price_changes p SET status = 'SUPERSEDED', resolved_at = :at
			FROM plan_price_changes older, plan_price_changes newer
			WHERE p.subscription_id = ANY(:subs::text[]) AND p.status = 'PENDING' AND older.id = p.price_change_id
			  AND newer.id = :change AND older.id <> newer.id AND older.effective_from < newer.effective_from
			""";

	private static final String APPLIED = """
			UPDATE subscription_price_changes p SET status = 'APPLIED', resolved_at = :at
			FROM unnest(:subs::text[], :changes::text[]) AS v(sub, change)
			WHERE p.subscription_id = v.sub AND p.price_change_id = v.change AND p.status = 'PENDING'
			""";

	/**
	 * The renewal a lapsed consent ends: the subscription still renews at the change's renewal, which was told inside
	 * the notice window and charges the new price (no kept discount).
	 */
	private static final String LAPSED_RENEWAL = """
			  AND s.status IN ('TRIALING', 'ACTIVE') AND s.auto_renew AND s.cancel_at IS NULL
			  AND s.current_period_end = p.renewal_at
			  AND p.notice_sent_at >= p.renewal_at - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearLead ELSE :monthLead END)
			  AND p.notice_sent_at <= p.renewal_at - make_interval(days => CASE s.term WHEN 'P1Y' THEN :yearMinimum ELSE :monthMinimum END)
			  AND NOT (s.price_amount < p.old_amount AND s.price_amount < p.new_amount)
			""";

	/**
	 * Consent-requiring changes without consent whose renewal has come, on subscriptions that would renew at it, told
	 * inside the window before it ({@link SubscriptionPriceChange#awaitsConsentAt}); not where that renewal keeps an
	 * accepted discount lower than the new price (its price below both the regular price the change was told from and
	 * the new one): that renewal is charged the discount and the change is told again, asking for consent, before the
	 * renewal after it.
	 */
	private static final String LAPSED = """
			SELECT p.* FROM subscription_price_changes p JOIN subscriptions s ON s.id = p.subscription_id
			WHERE p.status = 'PENDING' AND p.consent_required AND p.consented_at IS NULL AND p.renewal_at <= :until
			""" + LAPSED_RENEWAL + """
			ORDER BY p.renewal_at
			LIMIT :limit
			""";

	/** {@link #LAPSED} for one row, locked: asked again once its account and subscription are locked. */
	private static final String STILL_LAPSED = """
			SELECT p.* FROM subscription_price_changes p JOIN subscriptions s ON s.id = p.subscription_id
			WHERE p.subscription_id = :sub AND p.price_change_id = :change
			  AND p.status = 'PENDING' AND p.consent_required AND p.consented_at IS NULL AND p.renewal_at <= :until
			""" + LAPSED_RENEWAL + """
			FOR UPDATE OF p
			""";

	private static final String ENDED = """
			UPDATE subscription_price_changes SET status = 'ENDED', resolved_at = :at
			WHERE subscription_id = :sub AND price_change_id = :change AND status = 'PENDING'
			""";

	private static final String CONSENT = """
			UPDATE subscription_price_changes SET consented_at = :at, consent_channel = :channel
			WHERE subscription_id = :sub AND price_change_id = :change AND consented_at IS NULL
			""";

	/**
	 * How long after its effective instant a change can still reach a subscriber: every subscription bought before it
	 * has its first renewal at or after it within a term (a year, or a trial of up to 366 days); one that was set to
	 * end then, or otherwise could not be told inside the windows, is told ahead of the renewal a term after that.
	 */
	private static final Duration OPEN_FOR = Duration.ofDays(2 * 366 + 68);

	private final JdbcClient jdbc;
	private final PriceChanges priceChanges;
	private final Catalog catalog;
	private final Subscriptions subscriptions;
	private final Accounts accounts;
	private final ApplicationEventPublisher events;
	private final Jurisdictions jurisdictions;
	private final Clock clock;
	private final TransactionTemplate tx;
	private final int yearLead;
	private final int monthLead;
	private final int yearMinimum;
	private final int monthMinimum;

	SubscriptionPriceChanges(JdbcClient jdbc, PriceChanges priceChanges, Catalog catalog, Subscriptions subscriptions,
			Accounts accounts, ApplicationEventPublisher events, Jurisdictions jurisdictions, Clock clock,
			PlatformTransactionManager txManager) {
		this.jdbc = jdbc;
		this.priceChanges = priceChanges;
		this.catalog = catalog;
		this.subscriptions = subscriptions;
		this.accounts = accounts;
		this.events = events;
		this.jurisdictions = jurisdictions;
		this.clock = clock;
		this.tx = new TransactionTemplate(txManager);
		// the rule table names the notice by its type, notices.NoticeType.PRICE_CHANGE
		this.yearLead = jurisdictions.daysBefore(ScheduledNotice.PRICE_CHANGE, Term.P1Y.name());
		this.monthLead = jurisdictions.daysBefore(ScheduledNotice.PRICE_CHANGE, Term.P1M.name());
		this.yearMinimum = jurisdictions.minDaysBefore(ScheduledNotice.PRICE_CHANGE, Term.P1Y.name());
		this.monthMinimum = jurisdictions.minDaysBefore(ScheduledNotice.PRICE_CHANGE, Term.P1M.name());
	}

	/** The PRICE_CHANGE notice's lead for a term: the rule table's days (R-CA-8's 7-30, R-NY-2's 5-30). */
	public Duration lead(Term term) {
		return Duration.ofDays(term == Term.P1Y ? yearLead : monthLead);
	}

	/**
	 * The least a PRICE_CHANGE notice must be ahead of a renewal for the new price to apply at it: the near end of the
	 * rules' windows (7 days). A notice goes out {@link #lead} ahead, by a job that runs a moment after that instant
	 * (or later, after an outage); it still reaches the renewal it was meant for while it is inside the windows.
	 */
	Duration minimumLead(Term term) {
		return Duration.ofDays(term == Term.P1Y ? yearMinimum : monthMinimum);
	}

	/**
	 * Schedules a plan's new price. {@code effectiveFrom} must leave room for the longest notice lead of the rule
	 * table from now ({@code 422 EFFECTIVE_FROM_TOO_SOON}): every existing subscriber can then be told in time.
	 * Unknown plan: {@code 404}.
	 */
	public PriceChange schedule(String planCode, Money price, Instant effectiveFrom, PriceChange.Existing existing,
			String actor) {
		Instant now = clock.instant();
		Instant earliest = now.plus(Duration.ofDays(Math.max(yearLead, monthLead)));
		return priceChanges.schedule(planCode, price, effectiveFrom, existing, now, earliest, actor);
	}

	/** A plan's price changes, the latest effective first; unknown plan: {@code 404}. */
	public List<PriceChange> forPlan(String planCode) {
		catalog.find(planCode).orElseThrow(() -> SubdeskException.notFound("Plan", planCode));
		return priceChanges.forPlan(planCode);
	}

	/**
	 * The subscription's price change that has not applied, ended or been superseded yet, if any (the newest
	 * announced one, should an older row still be pending).
	 */
	public Optional<SubscriptionPriceChange> pending(String subscriptionId) {
		return Optional.ofNullable(pending(List.of(subscriptionId)).get(subscriptionId));
	}

	/** The pending price change of each of these subscriptions that has one (for pages listing an account). */
	public Map<String, SubscriptionPriceChange> pending(Collection<String> subscriptionIds) {
		Map<String, SubscriptionPriceChange> out = new HashMap<>();
		if (subscriptionIds.isEmpty()) {
			return out;
		}
		jdbc.sql(PENDING_NEWEST_FIRST)
			.param("ids", subscriptionIds.toArray(String[]::new))
			.query(SubscriptionPriceChanges::map)
			.list()
			.forEach(p -> out.putIfAbsent(p.subscriptionId(), p));
		return out;
	}

	/**
	 * For each of these subscriptions whose next renewal (its current period's end) a pending price change applies at
	 * or waits for consent at: what that renewal charges and from when the new price is charged, as the renewal
	 * engine will decide it ({@link #atRenewal}); where consent is awaited, what it charges if the customer accepts.
	 * A subscription in its first term counts the change its purchase recorded as the one its checkout disclosure
	 * stated for its first renewal from the purchase on, before its notice is due, while that notice can still reach
	 * the renewal ({@link #disclosedAtPurchase}: the row the notice will write; once it cannot, the notice job records
	 * the price going back, {@link #lapsedBatch}). A subscription not set to renew, or whose change
	 * applies at a later renewal, has none: its next renewal charges its price. Two queries when some subscription has
	 * a pending change, one otherwise (three or four more when some is in its first term).
	 */
	public Map<String, PriceChangeAtRenewal> atNextRenewal(Collection<Subscription> batch) {
		Instant now = clock.instant();
		return atNextRenewal(batch, s -> now);
	}

	/**
	 * {@link #atNextRenewal} as it was seen at {@code at} of each subscription (from the rows as they are now): for the
	 * price shown just before a disclosed change's notice could no longer reach the renewal ({@link #lapsedBatch}).
	 */
	private Map<String, PriceChangeAtRenewal> atNextRenewal(Collection<Subscription> batch,
			java.util.function.Function<Subscription, Instant> at) {
		Map<String, PriceChangeAtRenewal> out = new HashMap<>();
		List<Subscription> renewing = batch.stream()
			.filter(s -> !s.ended() && s.autoRenew() && !s.scheduledToEnd() && !s.storeBilled())
			.toList();
		if (renewing.isEmpty()) {
			return out;
		}
		List<String> ids = renewing.stream().map(Subscription::id).toList();
		// every change is read below whenever a subscription is in its first term (without a pending change then, with
		// one otherwise): then it comes in the statement that reads the pending rows
		PendingAndChanges read = renewing.stream().anyMatch(SubscriptionPriceChanges::inFirstTerm)
				? pendingWithEveryChange(ids) : new PendingAndChanges(pending(ids), null);
		Map<String, SubscriptionPriceChange> pending = read.pending();
		// a subscription in its first term (or trial) was bought knowing the changes scheduled by then: its checkout
		// disclosure stated what its first renewal charges (FirstRenewalPriceChanges), before any notice is due
		boolean firstTerms = renewing.stream().anyMatch(s -> !pending.containsKey(s.id()) && inFirstTerm(s));
		if (pending.isEmpty() && !firstTerms) {
			return out;
		}
		List<PriceChange> changes = read.changes() != null ? read.changes() : priceChanges.all();
		if (firstTerms) {
			out.putAll(disclosedAtPurchase(renewing.stream().filter(s -> !pending.containsKey(s.id())).toList(),
					changes, at));
		}
		if (pending.isEmpty()) {
			return out;
		}
		Map<String, Set<String>> applied = appliedChanges(rowsOf(List.copyOf(pending.keySet())));
		for (Subscription s : renewing) {
			SubscriptionPriceChange r = pending.get(s.id());
			Instant renewal = s.currentPeriodEnd();
			Duration minimum = minimumLead(s.term());
			Duration lead = lead(s.term());
			// a change to be told again inside the window before this renewal reaches it as if told there (the notice
			// job tells it, while the subscription renews, before the renewal can come)
			if (r != null && (r.appliesAt(renewal, minimum, lead) || r.awaitsConsentAt(renewal, minimum, lead)
					|| r.toBeToldAgainFor(renewal, minimum, lead, at.apply(s)))) {
				Money list = listPrice(s, catalog.get(s.planCode()), applied.getOrDefault(s.id(), Set.of()), changes);
				out.put(s.id(), outlook(s, list, r));
			}
		}
		return out;
	}

	/** Pending rows by subscription ({@link #pending(Collection)}) and, when read with them, every price change. */
	private record PendingAndChanges(Map<String, SubscriptionPriceChange> pending, @Nullable List<PriceChange> changes) {
	}

	/**
	 * {@link #pending(Collection)} and {@link PriceChanges#all()} in one statement: every change, each with the
	 * pending rows of these subscriptions for it (none: one row of the change alone). In the order of both: the
	 * latest effective change first, and for a change its rows the latest told first.
	 */
	private static final String PENDING_WITH_EVERY_CHANGE = """
			SELECT c.id, c.plan_code, c.price_amount, c.currency, c.effective_from, c.existing_subscribers, c.created_at,
			       c.created_by, p.subscription_id AS p_subscription_id, p.price_change_id AS p_price_change_id,
			       p.old_amount AS p_old_amount, p.new_amount AS p_new_amount, p.currency AS p_currency,
			       p.renewal_at AS p_renewal_at, p.notice_sent_at AS p_notice_sent_at,
			       p.consent_required AS p_consent_required, p.consented_at AS p_consented_at,
			       p.consent_channel AS p_consent_channel, p.status AS p_status
			FROM plan_price_changes c LEFT JOIN subscription_price_changes p
			  ON p.price_change_id = c.id AND p.subscription_id = ANY(:ids::text[]) AND p.status = 'PENDING'
			ORDER BY c.effective_from DESC, p.notice_sent_at DESC NULLS LAST, c.id
			""";

	private PendingAndChanges pendingWithEveryChange(List<String> subscriptionIds) {
		Map<String, SubscriptionPriceChange> pending = new HashMap<>();
		Map<String, PriceChange> changes = new java.util.LinkedHashMap<>();
		jdbc.sql(PENDING_WITH_EVERY_CHANGE)
			.param("ids", subscriptionIds.toArray(String[]::new))
			.query((rs, n) -> {
				changes.putIfAbsent(rs.getString("id"), PriceChanges.map(rs, n));
				if (rs.getString("p_subscription_id") != null) {
					pending.putIfAbsent(rs.getString("p_subscription_id"), mapPrefixed(rs, "p_"));
				}
				return n;
			})
			.list();
		return new PendingAndChanges(pending, List.copyOf(changes.values()));
	}

	/** Whether the subscription is still in the term (or free trial) it was bought for: its next renewal is its first. */
	private static boolean inFirstTerm(Subscription s) {
		return !s.currentPeriodStart().isAfter(s.createdAt());
	}

	/**
	 * For subscriptions in their first term without a pending change: the change that the PRICE_CHANGE notice job will
	 * bring to their first renewal (its rule, {@link #CLAIM_NOTICES} and {@link SubscriptionPriceChange#appliesAt}),
	 * where the purchase recorded it as the one the checkout's disclosure stated (FirstRenewalPriceChanges: a change
	 * scheduled after the purchase's check, even in its very second, is not one):
	 * the row its notice will write, with what that renewal charges. None where the renewal keeps an accepted
	 * discount (it charges the subscription's price) or the notice can no longer reach it in time.
	 */
	private Map<String, PriceChangeAtRenewal> disclosedAtPurchase(List<Subscription> candidates, List<PriceChange> changes,
			java.util.function.Function<Subscription, Instant> at) {
		Map<String, PriceChangeAtRenewal> out = new HashMap<>();
		// only those of a plan with a change that could reach their first renewal (the filter below): most plans have
		// none, and then nothing recorded at the purchase is read (one statement less a quote)
		List<Subscription> firstTerms = candidates.stream()
			.filter(SubscriptionPriceChanges::inFirstTerm)
			.filter(s -> changes.stream().anyMatch(c -> c.movesExisting() && c.planCode().equals(s.planCode())
					&& s.createdAt().isBefore(c.effectiveFrom()) && !c.effectiveFrom().isAfter(s.currentPeriodEnd())))
			.toList();
		if (firstTerms.isEmpty()) {
			return out;
		}
		// only the change recorded at the purchase as the one its first renewal charges (what its disclosure stated:
		// FirstRenewalPriceChanges.recordDisclosed), not any change that merely existed by then
		Map<String, String> disclosed = new HashMap<>();
		jdbc.sql(DISCLOSED)
			.param("ids", firstTerms.stream().map(Subscription::id).toArray(String[]::new))
			.query((rs, row) -> Map.entry(rs.getString("subscription_id"), rs.getString("price_change_id")))
			.list()
			.forEach(e -> disclosed.put(e.getKey(), e.getValue()));
		Map<String, PriceChange> byId = new HashMap<>();
		changes.forEach(c -> byId.put(c.id(), c));
		Map<Subscription, PriceChange> reaching = new java.util.LinkedHashMap<>();
		for (Subscription s : firstTerms) {
			Instant renewal = s.currentPeriodEnd();
			Optional.ofNullable(disclosed.get(s.id()))
				.map(byId::get)
				.filter(c -> c.movesExisting() && c.planCode().equals(s.planCode())
						&& c.price().currency().equals(s.price().currency()))
				.filter(c -> s.createdAt().isBefore(c.effectiveFrom()))
				.filter(c -> !c.effectiveFrom().isAfter(renewal) && renewal.isBefore(nextEffective(c, changes)))
				.ifPresent(c -> reaching.put(s, c));
		}
		if (reaching.isEmpty()) {
			return out;
		}
		Map<String, Accounts.Addressee> to = accounts.addressees(
				reaching.keySet().stream().map(Subscription::accountId).distinct().toList());
		reaching.forEach((s, change) -> {
			Instant renewal = s.currentPeriodEnd();
			Duration minimum = minimumLead(s.term());
			Duration lead = lead(s.term());
			Money regular = listPrice(s, catalog.get(s.planCode()), Set.of(), changes);
			if (keepsDiscount(s, regular, change.price())) {
				return; // the renewal charges the discount: the price shows it already
			}
			// the notice goes out the lead ahead, or at the job's next run when that is past (still in time only while
			// it is more than the least lead ahead: the job claims a subscriber while it can land inside the windows)
			Optional<Instant> notice = SubscriptionPriceChange.untoldNoticeAt(renewal, at.apply(s), minimum, lead);
			if (notice.isEmpty()) {
				return;
			}
			Instant noticeAt = notice.get();
			Accounts.Addressee holder = to.get(s.accountId());
			boolean consent = change.price().amount() > regular.amount() && holder != null
					&& jurisdictions.forCustomer(holder.country(), null).priceIncreaseConsent();
			SubscriptionPriceChange row = new SubscriptionPriceChange(s.id(), change.id(), regular, change.price(),
					renewal, noticeAt, consent, null, null, SubscriptionPriceChange.Status.PENDING);
			if (row.appliesAt(renewal, minimum, lead) || row.awaitsConsentAt(renewal, minimum, lead)) {
				out.put(s.id(), outlook(s, regular, row));
			}
		});
		return out;
	}

	/** What the API's {@code price} shows for each of these subscriptions now ({@link #atNextRenewal}). */
	private Map<String, Money> shownPrices(Collection<Subscription> batch) {
		Map<String, PriceChangeAtRenewal> next = atNextRenewal(batch);
		Map<String, Money> out = new HashMap<>();
		for (Subscription s : batch) {
			PriceChangeAtRenewal at = next.get(s.id());
			out.put(s.id(), at == null ? s.price() : at.charge());
		}
		return out;
	}

	/**
	 * A {@code subscription.updated} for each of these subscriptions whose {@code price} as the API answers it
	 * (what the next renewal will cost) is not {@code before} any more, in the caller's transaction (API.md, Webhooks:
	 * an event on every state change of the resource as the API returns it): a notice that makes a change reach the
	 * next renewal, supersedes another, or tells one again changes that price without changing the subscription's row.
	 * The price after is worked out once, here, and the event carries it: twice per batch in all (before and after).
	 */
	private void publishPriceShown(Collection<Subscription> batch, Map<String, Money> before) {
		Map<String, Money> after = shownPrices(batch);
		// each event carries the price just worked out (SubscriptionAsShown): the edge records it as it is
		List<SubscriptionAsShown> changed = batch.stream()
			.filter(s -> !after.get(s.id()).equals(before.get(s.id())))
			.map(s -> new SubscriptionAsShown(s, after.get(s.id())))
			.toList();
		if (!changed.isEmpty()) {
			events.publishEvent(DomainChange.batch(EventType.SUBSCRIPTION_UPDATED, changed));
		}
	}

	/**
	 * What the next renewal of {@code s} charges, as the API's {@code price} shows it ({@link #atNextRenewal}: an
	 * announced change's charge where one reaches that renewal, else the subscription's own price).
	 */
	public Money nextRenewalCharge(Subscription s) {
		PriceChangeAtRenewal at = atNextRenewal(List.of(s)).get(s.id());
		return at == null ? s.price() : at.charge();
	}

	/**
	 * Records the customer's consent to the pending price change of a subscription (time and channel: API, PORTAL or
	 * AGENT); a second consent changes nothing. Nothing pending that asks for consent: {@code 409
	 * NO_PRICE_CHANGE_PENDING}.
	 */
	@Transactional
	public SubscriptionPriceChange consent(String subscriptionId, String channel) {
		accounts.lockHolderOf(subscriptionId); // the account, then the subscription, then its price change
		Subscription s = subscriptions.lock(subscriptionId);
		SubscriptionPriceChange pending = pending(s.id())
			.filter(p -> p.consentRequired() && !s.ended())
			.orElseThrow(() -> SubdeskException.of(SubscriptionsErrorCode.NO_PRICE_CHANGE_PENDING,
					"This subscription has no price change waiting for consent"));
		jdbc.sql(CONSENT)
			.param("at", Timestamp.from(clock.instant()))
			.param("channel", channel)
			.param("sub", s.id())
			.param("change", pending.priceChangeId())
			.update();
		return pending(s.id()).orElseThrow();
	}

	/** Sends every PRICE_CHANGE notice due at or before {@code until}, batch by batch; returns how many went out. */
	public int sendNotices(Instant until, int batchSize) {
		return sendNotices(until, batchSize, () -> false);
	}

	/**
	 * Sends every PRICE_CHANGE notice due at or before {@code until}, batch by batch, each batch claimed, recorded and
	 * its notices stored in one transaction of its own; returns how many went out. {@code stopping}: the jobs' run asks
	 * whether the node has begun to stop; once it has, no batch is claimed after the one in hand (of the notices, the
	 * notices told again, or the settling of lapsed disclosures), and the rest stays due for the next run, on any node.
	 */
	public int sendNotices(Instant until, int batchSize, java.util.function.BooleanSupplier stopping) {
		int sent = 0;
		List<PriceChange> all = priceChanges.all();
		for (PriceChange change : all) {
			if (!open(change, until)) {
				continue;
			}
			Instant before = nextEffective(change, all);
			while (true) {
				if (stopping.getAsBoolean()) {
					return sent;
				}
				Integer n = tx.execute(status -> noticeBatch(change, all, before, until, batchSize));
				if (n == null || n == 0) {
					break;
				}
				sent += n;
			}
		}
		while (true) {
			if (stopping.getAsBoolean()) {
				return sent;
			}
			Integer n = tx.execute(status -> tellAgainBatch(all, until, batchSize));
			if (n == null || n == 0) {
				break;
			}
			sent += n;
		}
		while (true) {
			if (stopping.getAsBoolean()) {
				return sent;
			}
			Integer n = tx.execute(status -> lapsedBatch(batchSize));
			if (n == null || n == 0) {
				break;
			}
		}
		return sent;
	}

	/**
	 * A batch of first-term subscriptions whose disclosed change's notice did not go out while it could still reach
	 * the first renewal (the notice job did not run in time): from the least lead before that renewal on, the API's
	 * price is the subscription's own again ({@link #disclosedAtPurchase}), and that renewal charges it. Records a
	 * {@code subscription.updated} for each whose price as the API answered it just before is not that any more
	 * (API.md: an event on every state change of the resource as the API returns it). Marks each settled, those whose
	 * notice went out in time too, so that a run looks at each disclosed change once.
	 */
	private int lapsedBatch(int limit) {
		Instant now = clock.instant();
		List<Subscription> claimed = new ArrayList<>();
		// not told, and still before the renewal the change was stated for
		List<Subscription> beforeIt = new ArrayList<>();
		jdbc.sql(CLAIM_UNSETTLED_DISCLOSURES)
			.param("yearMinimum", yearMinimum)
			.param("monthMinimum", monthMinimum)
			.param("now", Timestamp.from(now))
			.param("limit", limit)
			.query((rs, row) -> {
				Subscription s = JdbcSubscriptionRepository.map(rs, row);
				claimed.add(s);
				Instant stated = rs.getTimestamp("disclosed_renewal_at").toInstant();
				if (!rs.getBoolean("told") && stated.equals(s.currentPeriodEnd())) {
					beforeIt.add(s);
				}
				return s;
			})
			.list();
		if (claimed.isEmpty()) {
			return 0;
		}
		// the price shown the moment before the notice could no longer reach the renewal, and the one shown now
		Map<String, PriceChangeAtRenewal> before = atNextRenewal(beforeIt,
				s -> s.currentPeriodEnd().minus(minimumLead(s.term())).minusNanos(1_000));
		Map<String, PriceChangeAtRenewal> after = atNextRenewal(beforeIt);
		List<SubscriptionAsShown> changed = new ArrayList<>();
		for (Subscription s : beforeIt) {
			Money was = before.containsKey(s.id()) ? before.get(s.id()).charge() : s.price();
			Money is = after.containsKey(s.id()) ? after.get(s.id()).charge() : s.price();
			if (!was.equals(is)) {
				changed.add(new SubscriptionAsShown(s, is));
			}
		}
		jdbc.sql(DISCLOSURES_SETTLED)
			.param("at", Timestamp.from(now))
			.param("subs", claimed.stream().map(Subscription::id).toArray(String[]::new))
			.update();
		if (!changed.isEmpty()) {
			events.publishEvent(DomainChange.batch(EventType.SUBSCRIPTION_UPDATED, changed));
		}
		return claimed.size();
	}

	/** When the next PRICE_CHANGE notice is due (for the test clock's advance). */
	public Optional<Instant> nextNoticeDue() {
		List<PriceChange> all = priceChanges.all();
		Instant next = null;
		Instant now = clock.instant();
		for (PriceChange change : all) {
			if (!open(change, now)) {
				continue;
			}
			Timestamp due = jdbc.sql(NEXT_NOTICE_DUE)
				.param("plan", change.planCode())
				.param("currency", change.price().currency())
				.param("from", Timestamp.from(change.effectiveFrom()))
				.param("before", Timestamp.from(nextEffective(change, all)))
				.param("yearLead", yearLead)
				.param("monthLead", monthLead)
				.param("yearMinimum", yearMinimum)
				.param("monthMinimum", monthMinimum)
				.param("now", Timestamp.from(now))
				.param("change", change.id())
				.query(Timestamp.class)
				.optional()
				.orElse(null);
			if (due != null && (next == null || due.toInstant().isBefore(next))) {
				next = due.toInstant();
			}
		}
		Timestamp again = jdbc.sql(NEXT_TELL_AGAIN_DUE)
			.param("yearLead", yearLead)
			.param("monthLead", monthLead)
			.param("yearMinimum", yearMinimum)
			.param("monthMinimum", monthMinimum)
			.param("now", Timestamp.from(now))
			.query(Timestamp.class)
			.optional()
			.orElse(null);
		if (again != null && (next == null || again.toInstant().isBefore(next))) {
			next = again.toInstant();
		}
		Timestamp lapse = jdbc.sql(NEXT_DISCLOSURE_LAPSE)
			.param("yearMinimum", yearMinimum)
			.param("monthMinimum", monthMinimum)
			.query(Timestamp.class)
			.optional()
			.orElse(null);
		if (lapse != null && (next == null || lapse.toInstant().isBefore(next))) {
			next = lapse.toInstant();
		}
		return Optional.ofNullable(next);
	}

	/** Whether a change can still reach subscribers that have not been told: it moves them and is recent enough. */
	private static boolean open(PriceChange change, Instant at) {
		return change.movesExisting() && change.effectiveFrom().plus(OPEN_FOR).isAfter(at);
	}

	/** A subscriber's change applies up to the plan's next change (which then is the one that reaches it). */
	private static Instant nextEffective(PriceChange change, List<PriceChange> all) {
		return all.stream()
			.filter(c -> c.planCode().equals(change.planCode()) && c.effectiveFrom().isAfter(change.effectiveFrom()))
			.map(PriceChange::effectiveFrom)
			.min(Instant::compareTo)
			.orElse(Instant.parse("9999-12-31T00:00:00Z"));
	}

	private int noticeBatch(PriceChange change, List<PriceChange> changes, Instant before, Instant until, int limit) {
		Instant now = clock.instant();
		List<Subscription> due = jdbc.sql(CLAIM_NOTICES)
			.param("plan", change.planCode())
			.param("currency", change.price().currency())
			.param("from", Timestamp.from(change.effectiveFrom()))
			.param("before", Timestamp.from(before))
			.param("yearLead", yearLead)
			.param("monthLead", monthLead)
			.param("until", Timestamp.from(until))
			.param("yearMinimum", yearMinimum)
			.param("monthMinimum", monthMinimum)
			.param("now", Timestamp.from(now))
			.param("change", change.id())
			.param("limit", limit)
			.query(JdbcSubscriptionRepository::map)
			.list();
		if (due.isEmpty()) {
			return 0;
		}
		Map<String, Money> shown = shownPrices(due);
		Map<String, Accounts.Addressee> to = accounts.addressees(due.stream().map(Subscription::accountId).toList());
		Map<String, Set<String>> applied = appliedChanges(rowsOf(due.stream().map(Subscription::id).toList()));
		List<SubscriptionPriceChange> rows = new ArrayList<>(due.size());
		for (Subscription s : due) {
			// the old price is the regular one the customer pays, not a one-time discount accepted for this renewal
			// (that discount is still charged at it, atRenewal): only a price above the regular one is an increase
			Money regular = listPrice(s, catalog.get(s.planCode()), applied.getOrDefault(s.id(), Set.of()), changes);
			boolean increase = change.price().amount() > regular.amount();
			boolean consent = increase
					&& jurisdictions.forCustomer(to.get(s.accountId()).country(), null).priceIncreaseConsent();
			// a renewal that keeps an accepted discount lower than the new price is charged the discount: the new price
			// applies from the renewal after it, told (again) inside the window before that one
			Instant renewal = keepsDiscount(s, regular, change.price()) ? s.nextPeriodEnd() : firstRenewalInTime(s, now);
			rows.add(new SubscriptionPriceChange(s.id(), change.id(), regular, change.price(), renewal, now, consent,
					null, null, SubscriptionPriceChange.Status.PENDING));
		}
		Set<String> inserted = new HashSet<>(jdbc.sql(INSERT)
			.param("subs", rows.stream().map(SubscriptionPriceChange::subscriptionId).toArray(String[]::new))
			.param("changes", rows.stream().map(SubscriptionPriceChange::priceChangeId).toArray(String[]::new))
			.param("olds", rows.stream().map(r -> r.oldPrice().amount()).toArray(Long[]::new))
			.param("news", rows.stream().map(r -> r.newPrice().amount()).toArray(Long[]::new))
			.param("currencies", rows.stream().map(r -> r.newPrice().currency()).toArray(String[]::new))
			.param("renewals", rows.stream().map(r -> Timestamp.from(r.renewalAt())).toArray(Timestamp[]::new))
			.param("sent", rows.stream().map(r -> Timestamp.from(r.noticeSentAt())).toArray(Timestamp[]::new))
			.param("consent", rows.stream().map(SubscriptionPriceChange::consentRequired).toArray(Boolean[]::new))
			.query(String.class)
			.list());
		if (!inserted.isEmpty()) {
			jdbc.sql(SUPERSEDE)
				.param("subs", inserted.toArray(String[]::new))
				.param("change", change.id())
				.param("at", Timestamp.from(now))
				.update();
		}
		List<PriceChangesRecorded.Recorded> recorded = new ArrayList<>();
		for (int i = 0; i < due.size(); i++) {
			Subscription s = due.get(i);
			if (inserted.contains(s.id())) {
				SubscriptionPriceChange row = rows.get(i);
				// the notice tells what the renewal it applies at will charge (an accepted discount where it is kept)
				recorded.add(new PriceChangesRecorded.Recorded(s, row, to.get(s.accountId()),
						outlook(s, row.oldPrice(), row)));
			}
		}
		events.publishEvent(new PriceChangesRecorded(recorded, now));
		publishPriceShown(due, shown);
		return due.size();
	}

	/**
	 * Tells a batch of subscribers again of their pending change, inside the window before their next renewal: one
	 * told ahead of a renewal that kept an accepted discount (or held for a renewal it could not reach) is charged the
	 * new price only after a notice inside the rules' window before that charge (R-CA-8's 7-30 days, R-NY-2's 5-30),
	 * and, where consent is required, is asked for it again before the renewal it applies at (ending there without
	 * it). The row then counts this notice, for the renewal it now applies at (the one after, should this one keep a
	 * discount again). Three statements per batch.
	 */
	private int tellAgainBatch(List<PriceChange> changes, Instant until, int limit) {
		Instant now = clock.instant();
		Map<String, Subscription> due = new java.util.LinkedHashMap<>();
		jdbc.sql(CLAIM_TELL_AGAIN)
			.param("yearLead", yearLead)
			.param("monthLead", monthLead)
			.param("yearMinimum", yearMinimum)
			.param("monthMinimum", monthMinimum)
			.param("until", Timestamp.from(until))
			.param("now", Timestamp.from(now))
			.param("limit", limit)
			.query(JdbcSubscriptionRepository::map)
			.list()
			.forEach(s -> due.putIfAbsent(s.id(), s));
		if (due.isEmpty()) {
			return 0;
		}
		Map<String, Money> shown = shownPrices(due.values());
		Map<String, PriceChange> byId = new HashMap<>();
		changes.forEach(c -> byId.put(c.id(), c));
		Map<String, List<SubscriptionPriceChange>> rows = new HashMap<>();
		List<SubscriptionPriceChange> all = rowsOf(due.keySet());
		all.forEach(r -> rows.computeIfAbsent(r.subscriptionId(), k -> new ArrayList<>()).add(r));
		Map<String, Set<String>> applied = appliedChanges(all);
		Map<String, Accounts.Addressee> to = accounts.addressees(due.values().stream().map(Subscription::accountId).toList());
		List<Subscription> told = new ArrayList<>();
		List<SubscriptionPriceChange> again = new ArrayList<>();
		List<PriceChangeAtRenewal> outlooks = new ArrayList<>();
		for (Subscription s : due.values()) {
			SubscriptionPriceChange newest = rows.getOrDefault(s.id(), List.of())
				.stream()
				.filter(r -> r.status() == SubscriptionPriceChange.Status.PENDING)
				.min(newestFirst(byId))
				.orElseThrow();
			if (!newest.toBeToldAgainFor(s.currentPeriodEnd(), minimumLead(s.term()), lead(s.term()), now)) {
				continue; // an older pending row was claimed: superseded below
			}
			Money regular = listPrice(s, catalog.get(s.planCode()), applied.getOrDefault(s.id(), Set.of()), changes);
			Instant renewal = keepsDiscount(s, regular, newest.newPrice()) ? s.nextPeriodEnd() : s.currentPeriodEnd();
			SubscriptionPriceChange row = new SubscriptionPriceChange(s.id(), newest.priceChangeId(), newest.oldPrice(),
					newest.newPrice(), renewal, now, newest.consentRequired(), newest.consentedAt(),
					newest.consentChannel(), SubscriptionPriceChange.Status.PENDING);
			told.add(s);
			again.add(row);
			outlooks.add(outlook(s, regular, row));
		}
		// the newest pending change of each is the one that counts (older ones are superseded by it)
		List<String> subs = List.copyOf(due.keySet());
		jdbc.sql(SUPERSEDE_OLDER)
			.param("subs", subs.toArray(String[]::new))
			.param("changes", subs.stream()
				.map(id -> rows.get(id).stream()
					.filter(r -> r.status() == SubscriptionPriceChange.Status.PENDING)
					.min(newestFirst(byId))
					.orElseThrow()
					.priceChangeId())
				.toArray(String[]::new))
			.param("at", Timestamp.from(now))
			.update();
		if (!again.isEmpty()) {
			jdbc.sql(TOLD_AGAIN)
				.param("subs", again.stream().map(SubscriptionPriceChange::subscriptionId).toArray(String[]::new))
				.param("changes", again.stream().map(SubscriptionPriceChange::priceChangeId).toArray(String[]::new))
				.param("renewals", again.stream().map(r -> Timestamp.from(r.renewalAt())).toArray(Timestamp[]::new))
				.param("sent", Timestamp.from(now))
				.update();
			List<PriceChangesRecorded.Recorded> recorded = new ArrayList<>(again.size());
			for (int i = 0; i < again.size(); i++) {
				Subscription s = told.get(i);
				recorded.add(new PriceChangesRecorded.Recorded(s, again.get(i), to.get(s.accountId()), outlooks.get(i)));
			}
			events.publishEvent(new PriceChangesRecorded(recorded, now));
		}
		publishPriceShown(due.values(), shown);
		return due.size();
	}

	/**
	 * The first renewal at or after the current period's end that the notice sent at {@code now} is far enough ahead
	 * of ({@link #minimumLead}): the current period's end, since a subscription is claimed only while its notice can
	 * still land inside the rules' windows before it (R-CA-8's 7-30 days, R-NY-2's 5-30). One told too late for it is
	 * held back and claimed again the lead ahead of its next renewal, never told a whole term ahead.
	 */
	private Instant firstRenewalInTime(Subscription s, Instant now) {
		Duration lead = minimumLead(s.term());
		int index = s.periodIndex() + 1;
		Instant renewal = s.term().boundary(s.anchor(), index);
		while (renewal.minus(lead).isBefore(now)) {
			renewal = s.term().boundary(s.anchor(), ++index);
		}
		return renewal;
	}

	/**
	 * What a renewal charges and what the subscription costs after it; {@code awaitingConsent}: the change whose
	 * consent this renewal waits for, with what the renewal charges once it is accepted (without it the subscription
	 * ends there instead), so that a notice ahead of it says so rather than quoting a price never charged.
	 */
	public record Renewing(Money charge, Money next, @Nullable String appliedChangeId,
			@Nullable PriceChangeAtRenewal awaitingConsent) {

		/**
		 * Whether the renewal that charged {@code charged} charged a discount accepted for it: no plan's price change
		 * applied there (a cut below the discount, which is charged instead, makes no promotion) and what was charged,
		 * the subscription's own price, is below the regular price after it. Counted only where a discount was
		 * accepted for that renewal (RenewalQueue's RENEW): the period it starts is then a promotion (R-CA-6).
		 */
		public boolean chargesAcceptedDiscount(Money charged) {
			return appliedChangeId == null && charged.currency().equals(next.currency())
					&& charged.amount() < next.amount();
		}
	}

	/**
	 * The one rule of what the renewal at which {@code r} applies charges, for a subscription whose regular price
	 * (without a one-time discount) is {@code regular}: the new price, unless the customer accepted a discount for
	 * that renewal (its price is below the regular one, whether accepted before or after the notice) that is lower,
	 * which is then charged, and the new price from the renewal after it on. A change held for a later renewal than
	 * the next is charged there at its new price (a discount is for the next renewal only).
	 */
	static PriceChangeAtRenewal outlook(Subscription s, Money regular, SubscriptionPriceChange r) {
		boolean kept = keepsDiscount(s, regular, r.newPrice());
		if (r.renewalAt().isAfter(s.currentPeriodEnd())) {
			// held for the renewal after the next because the next keeps the discount: both are told
			return kept && !r.renewalAt().isAfter(s.nextPeriodEnd())
					? new PriceChangeAtRenewal(r, s.currentPeriodEnd(), s.price(), r.renewalAt())
					: new PriceChangeAtRenewal(r, r.renewalAt(), r.newPrice(), r.renewalAt());
		}
		if (kept) {
			return new PriceChangeAtRenewal(r, s.currentPeriodEnd(), s.price(), s.nextPeriodEnd());
		}
		return new PriceChangeAtRenewal(r, s.currentPeriodEnd(), r.newPrice(), s.currentPeriodEnd());
	}

	/**
	 * {@link #outlook} of a subscriber's pending change from the regular price it was told from (its old price: a
	 * pending change's subscriber has no other change applied meanwhile), for a page showing a change held for the
	 * renewal after a discounted one, which {@link #atNextRenewal} does not return.
	 */
	public static PriceChangeAtRenewal outlook(Subscription s, SubscriptionPriceChange r) {
		return outlook(s, r.oldPrice(), r);
	}

	/**
	 * Whether the next renewal keeps a discount the customer accepted for it (its price below the regular one) that
	 * is lower than a change's new price: it is charged the discount, and the new price applies from the renewal after.
	 */
	static boolean keepsDiscount(Subscription s, Money regular, Money newPrice) {
		return s.price().amount() < regular.amount() && s.price().amount() < newPrice.amount();
	}

	/** Newest change first: the one a renewal counts when (from before supersession) several are pending. */
	private static java.util.Comparator<SubscriptionPriceChange> newestFirst(Map<String, PriceChange> changes) {
		java.util.Comparator<SubscriptionPriceChange> byChange = java.util.Comparator.comparing(
				r -> changes.containsKey(r.priceChangeId()) ? changes.get(r.priceChangeId()).effectiveFrom() : Instant.MIN);
		return byChange.thenComparing(SubscriptionPriceChange::noticeSentAt).reversed();
	}

	/**
	 * For a batch of subscriptions due to renew at their period end: what each renewal charges (the new price where
	 * a change {@linkplain SubscriptionPriceChange#appliesAt applies}, else the subscription's own price) and the
	 * price after it (the applied change's, else the list price: a one-time discount ends, a grandfathered
	 * subscriber keeps its price). Two queries per batch, whatever its size.
	 */
	public Map<String, Renewing> atRenewal(List<Subscription> batch) {
		Map<String, Renewing> out = new HashMap<>(batch.size() * 2);
		if (batch.isEmpty()) {
			return out;
		}
		List<PriceChange> changes = priceChanges.all();
		Map<String, List<SubscriptionPriceChange>> rows = new HashMap<>();
		if (!changes.isEmpty()) {
			rowsOf(batch.stream().map(Subscription::id).toList())
				.forEach(r -> rows.computeIfAbsent(r.subscriptionId(), k -> new ArrayList<>()).add(r));
		}
		Map<String, Set<String>> applied = appliedChanges(rows.values().stream().flatMap(List::stream).toList());
		Map<String, PriceChange> byId = new HashMap<>();
		changes.forEach(c -> byId.put(c.id(), c));
		for (Subscription s : batch) {
			Plan plan = catalog.get(s.planCode());
			Money list = listPrice(s, plan, applied.getOrDefault(s.id(), Set.of()), changes);
			// only the newest pending change counts (an older one still pending from before supersession never
			// applies after it, nor instead of it)
			Optional<SubscriptionPriceChange> newest = rows.getOrDefault(s.id(), List.of())
				.stream()
				.filter(r -> r.status() == SubscriptionPriceChange.Status.PENDING)
				.min(newestFirst(byId));
			Duration minimum = minimumLead(s.term());
			Duration lead = lead(s.term());
			Optional<PriceChangeAtRenewal> at = newest.map(r -> outlook(s, list, r));
			// a renewal that keeps an accepted discount is charged it and the change does not apply there: it stays
			// pending, to be told again inside the window before the renewal after (never charged without that notice)
			boolean kept = at.isPresent() && at.get().discountFirst();
			if (newest.isPresent() && newest.get().appliesAt(s.currentPeriodEnd(), minimum, lead) && !kept) {
				SubscriptionPriceChange r = newest.get();
				out.put(s.id(), new Renewing(at.get().charge(), r.newPrice(), r.priceChangeId(), null));
			}
			else {
				PriceChangeAtRenewal waiting = newest.filter(r -> r.awaitsConsentAt(s.currentPeriodEnd(), minimum, lead))
					.flatMap(r -> at)
					.filter(a -> !a.discountFirst())
					.orElse(null);
				out.put(s.id(), new Renewing(s.price(), list, null, waiting));
			}
		}
		return out;
	}

	/**
	 * The regular price a subscription renews at when no change applies at that renewal: a one-time discount ends, a
	 * grandfathered subscriber keeps its price. A price change moves the base price: a subscription in another
	 * currency (catalog administration: prices per currency) goes back to the plan's price in its own currency.
	 */
	private static Money listPrice(Subscription s, Plan plan, Set<String> applied, List<PriceChange> changes) {
		return s.price().currency().equals(plan.price().currency())
				? PriceChanges.listPrice(plan, s.createdAt(), applied, changes)
				: plan.priceIn(s.price().currency()).orElse(s.price());
	}

	/** The ids of the changes applied to each subscription, from its rows. */
	private static Map<String, Set<String>> appliedChanges(List<SubscriptionPriceChange> rows) {
		Map<String, Set<String>> out = new HashMap<>();
		rows.stream()
			.filter(r -> r.status() == SubscriptionPriceChange.Status.APPLIED)
			.forEach(r -> out.computeIfAbsent(r.subscriptionId(), k -> new HashSet<>()).add(r.priceChangeId()));
		return out;
	}

	/** Marks the changes applied at these renewals (in the renewal's own transaction). */
	@Transactional(propagation = Propagation.MANDATORY)
	public void applied(Map<String, String> changeBySubscription, Instant at) {
		if (changeBySubscription.isEmpty()) {
			return;
		}
		List<Map.Entry<String, String>> entries = List.copyOf(changeBySubscription.entrySet());
		jdbc.sql(APPLIED)
			.param("subs", entries.stream().map(Map.Entry::getKey).toArray(String[]::new))
			.param("changes", entries.stream().map(Map.Entry::getValue).toArray(String[]::new))
			.param("at", Timestamp.from(at))
			.update();
	}

	/**
	 * Claims (locks, in the caller's transaction) the price changes whose consent was required and not given by the
	 * renewal they were to apply at, on subscriptions that would renew then: the caller ends each at the term's
	 * end and {@linkplain #ended marks it}.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<SubscriptionPriceChange> claimLapsed(Instant until, int limit) {
		// read first, then lock in the order of every change of a subscription (account, subscription, then its
		// price change, as consent does): locking the row first deadlocked with a consent given at that moment
		List<SubscriptionPriceChange> candidates = jdbc.sql(LAPSED)
			.param("until", Timestamp.from(until))
			.param("yearLead", yearLead)
			.param("monthLead", monthLead)
			.param("yearMinimum", yearMinimum)
			.param("monthMinimum", monthMinimum)
			.param("limit", limit + CLAIM_SPARE)
			.query(SubscriptionPriceChanges::map)
			.list();
		List<SubscriptionPriceChange> claimed = new java.util.ArrayList<>(limit);
		for (SubscriptionPriceChange candidate : candidates) {
			if (claimed.size() == limit) {
				break;
			}
			accounts.lockHolderOf(candidate.subscriptionId());
			subscriptions.lock(candidate.subscriptionId());
			jdbc.sql(STILL_LAPSED)
				.param("sub", candidate.subscriptionId())
				.param("change", candidate.priceChangeId())
				.param("until", Timestamp.from(until))
				.param("yearLead", yearLead)
				.param("monthLead", monthLead)
				.param("yearMinimum", yearMinimum)
				.param("monthMinimum", monthMinimum)
				.query(SubscriptionPriceChanges::map)
				.optional()
				.ifPresent(claimed::add); // else consented, or claimed by another node, meanwhile
		}
		return claimed;
	}

	/** How many candidates more than asked {@link #claimLapsed} reads, for those another node takes meanwhile. */
	private static final int CLAIM_SPARE = 4;

	@Transactional(propagation = Propagation.MANDATORY)
	public void ended(SubscriptionPriceChange change, Instant at) {
		jdbc.sql(ENDED)
			.param("at", Timestamp.from(at))
			.param("sub", change.subscriptionId())
			.param("change", change.priceChangeId())
			.update();
	}

	private List<SubscriptionPriceChange> rowsOf(Collection<String> subscriptionIds) {
		return jdbc.sql(OF_SUBSCRIPTIONS)
			.param("ids", subscriptionIds.toArray(String[]::new))
			.query(SubscriptionPriceChanges::map)
			.list();
	}

	private static SubscriptionPriceChange map(ResultSet rs, int row) throws SQLException {
		return mapPrefixed(rs, "");
	}

	/** A row whose columns of {@code subscription_price_changes} are named with {@code prefix} before each. */
	private static SubscriptionPriceChange mapPrefixed(ResultSet rs, String prefix) throws SQLException {
		String currency = rs.getString(prefix + "currency");
		Timestamp consented = rs.getTimestamp(prefix + "consented_at");
		return new SubscriptionPriceChange(rs.getString(prefix + "subscription_id"),
				rs.getString(prefix + "price_change_id"), Money.of(rs.getLong(prefix + "old_amount"), currency),
				Money.of(rs.getLong(prefix + "new_amount"), currency), rs.getTimestamp(prefix + "renewal_at").toInstant(),
				rs.getTimestamp(prefix + "notice_sent_at").toInstant(), rs.getBoolean(prefix + "consent_required"),
				consented == null ? null : consented.toInstant(), rs.getString(prefix + "consent_channel"),
				SubscriptionPriceChange.Status.valueOf(rs.getString(prefix + "status")));
	}
}
