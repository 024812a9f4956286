package dev.subdesk.stores;

import dev.subdesk.shared.StoppableJob;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.RenewalQueue;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Asks the store about a purchase whose notice did not come. A store-billed subscription is covered a short lag past
 * the period paid for (an auto-renewing one) or until the store's grace ends (a PAST_DUE one), then nothing until the
 * store reports; a notice our server missed (down, or lost) would leave a paying customer's devices refused until the
 * store sends it again, or for good. So once that time has passed with no word ({@link #dueAt}), the store's server
 * API is asked for the purchase's state, and the answer goes through {@link StoreSync} as a notification would:
 * once, in order, an unknown account token opening a case; a revocation's refund notified after an answer that ended
 * the subscription is still recorded ({@link StoreSync}). The store is asked at most once per interval per purchase:
 * first at the due time, then an hour later, two, four ... up to a day apart while the answer leaves it awaiting the
 * store; a notice or an answer that moves the subscription on restarts that. A failed call is logged and asked again
 * at the next interval; it never fails the job. A run is bounded ({@link #run(Duration)}): a store that holds every
 * call would hold a thread of the scheduler and a database connection for good, and a stop of the node waits for the
 * run in hand (dev.subdesk.ScheduledJobsConfiguration). A purchase the store keeps
 * saying it does not know is asked about no more after a few days of it, if it knows others ({@link UnknownPurchases}).
 *
 * <p>
 * Google Play is asked through its Play Developer API ({@code purchases.subscriptionsv2.get}, which RTDN pushes already
 * read through) when its package name is configured; the App Store through its Server API (Get All Subscription
 * Statuses, {@link AppStoreLookups}) when that API's key is configured. Every store's purchases are scheduled alike
 * ({@link #dueAt}), whether its API is configured or not: a store not asked is left out of the due purchases taken
 * (its own rows of the due index are not read), and a deployment that configures it later asks at once about those
 * due by then.
 */
@Component
class StoreLookups extends StoppableJob {

	/**
	 * How long past the period paid for the store's renewal notice is waited for before the store is asked: the
	 * entitlements' store notice lag, past which the subscription covers nothing.
	 */
	static final Duration NOTICE_LAG = Duration.ofHours(1);

	/** The longest a store-billed PAST_DUE subscription is served when the store named no grace end: our dunning. */
	static final Duration DUNNING = Duration.ofDays(RenewalQueue.RETRY_DAYS[RenewalQueue.RETRY_DAYS.length - 1]);

	/** The first interval between two lookups of one purchase; it doubles up to {@link #LONGEST_INTERVAL}. */
	static final Duration FIRST_INTERVAL = Duration.ofHours(1);

	static final Duration LONGEST_INTERVAL = Duration.ofDays(1);

	/**
	 * How much earlier than the moment it was asked an App Store answer with no {@code signedDate} counts as signed
	 * ({@link AppStoreLookups#signedAt}; Apple sets it, and then it is the answer's time), so that a notice Apple signed
	 * just after the answer, by Apple's clock a little behind ours, does not look older than it. A Google Play answer
	 * is not ordered by time: it is dated when asked and numbered, as a push's read is ({@link StoreSync#numberRead};
	 * docs/DESIGN-NOTES.md, Store lookups: an answer's order).
	 */
	static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

	/** The type an answer is recorded as among the store's notifications. */
	static final String LOOKUP = "LOOKUP";

	/** The stores whose purchases are scheduled to be asked about (each is asked when its API is configured). */
	private static final List<String> ASKED = List.of(Channel.GOOGLE_PLAY.name(), Channel.APP_STORE.name());

	/** How many calls in a row that fail end a run's calls to that store (the rest are left to the next run). */
	static final int FAILURES_IN_A_ROW = 3;

	/**
	 * The due purchases of one store, along its own rows of the due index (V424): each store's share of a run is taken
	 * apart, so that another store's backlog, however much earlier due, never fills the run.
	 */
	private static final String SELECT_DUE = """
			SELECT store, purchase_id, subscription_id, lookups, lookup_due_at, last_lookup_at FROM store_purchases
			WHERE store = :store AND lookup_due_at <= :now AND subscription_id IS NOT NULL
			ORDER BY lookup_due_at, purchase_id
			LIMIT :batch
			FOR UPDATE SKIP LOCKED
			""";

	private static final String CLAIM = """
			UPDATE store_purchases SET lookups = lookups + 1, lookup_due_at = :next, last_lookup_at = :now
			WHERE store = :store AND purchase_id = :purchase
			""";

	/**
	 * Gives a purchase claimed but not asked about back its due time, count and last lookup, so that the next run asks
	 * it first; unless it was rescheduled meanwhile (a notice or an answer that moved it on reset its count).
	 */
	private static final String RELEASE = """
			UPDATE store_purchases SET lookups = :lookups, lookup_due_at = :due, last_lookup_at = :last
			WHERE store = :store AND purchase_id = :purchase AND lookups = :lookups + 1 AND lookup_due_at IS NOT NULL
			""";

	/** The lookup schedule of a purchase as of what its subscription is now; the same due time keeps its back-off. */
	static final String RESCHEDULE = """
			UPDATE store_purchases
			SET lookup_due_at = CASE WHEN lookup_for IS NOT DISTINCT FROM CAST(:due AS timestamptz) THEN lookup_due_at
			                         ELSE CAST(:due AS timestamptz) END,
			    lookups = CASE WHEN lookup_for IS NOT DISTINCT FROM CAST(:due AS timestamptz) THEN lookups ELSE 0 END,
			    lookup_for = CAST(:due AS timestamptz)
			WHERE store = :store AND purchase_id = :purchase
			""";

	private static final Logger log = LoggerFactory.getLogger(StoreLookups.class);

	private final JdbcClient jdbc;
	private final Subscriptions subscriptions;
	private final PlaySubscriptionsApi play;
	private final AppStoreLookups appStore;
	private final StoreSync sync;
	private final UnknownPurchases unknown;
	private final StoresProperties properties;
	private final Clock clock;
	private final TransactionTemplate tx;
	private final int batch;
	private final Duration runLimit;

	StoreLookups(JdbcClient jdbc, Subscriptions subscriptions, PlaySubscriptionsApi play, AppStoreLookups appStore,
			StoreSync sync, UnknownPurchases unknown, StoresProperties properties, Clock clock,
			PlatformTransactionManager transactions,
			@Value("${subdesk.stores.lookup-batch:100}") int batch,
			@Value("${subdesk.stores.lookup-run-limit:PT30S}") Duration runLimit) {
		this.jdbc = jdbc;
		this.subscriptions = subscriptions;
		this.play = play;
		this.appStore = appStore;
		this.sync = sync;
		this.unknown = unknown;
		this.properties = properties;
		this.clock = clock;
		this.tx = new TransactionTemplate(transactions);
		this.batch = batch;
		this.runLimit = runLimit;
	}

	/**
	 * What one run did: purchases asked about, answers applied (any outcome), lookups that failed (no answer, or one
	 * not applied), and purchases taken but left to the next run (its time was up, their store kept failing, or the
	 * node is stopping).
	 */
	record Run(int asked, int applied, int failed, int left) {
	}

	/** What came of asking the store about one purchase. */
	enum Asked {
		/** The answer was applied (any outcome). */
		APPLIED,
		/** The store answered, but nothing was applied: it does not know the purchase, or its answer was refused. */
		NOT_APPLIED,
		/** The store could not be asked: down, refusing, not answering in time, answering no answer. */
		UNAVAILABLE
	}

	/**
	 * When the store is to be asked about the purchase billing {@code s}, if it has not reported by then: an hour
	 * past the period paid for, for an auto-renewing one (its renewal); an hour past the store's grace, for a PAST_DUE
	 * one (its recovery, or its end); never for one that ended or whose end is scheduled (the store's end takes
	 * effect here without it), nor for one no store bills.
	 */
	static @Nullable Instant dueAt(Subscription s) {
		if (!ASKED.contains(s.channel().name())) {
			return null;
		}
		return switch (s.status()) {
			case TRIALING, ACTIVE -> s.autoRenew() && s.cancelAt() == null ? s.currentPeriodEnd().plus(NOTICE_LAG) : null;
			case PAST_DUE -> Objects.requireNonNullElse(s.storeGraceUntil(), s.currentPeriodEnd().plus(DUNNING))
				.plus(NOTICE_LAG);
			case CANCELLED, EXPIRED -> null;
		};
	}

	/** The interval after the {@code n}th lookup (from 1) for the same due time: 1, 2, 4, ... hours, a day at most. */
	static Duration interval(int n) {
		Duration d = FIRST_INTERVAL.multipliedBy(1L << Math.min(Math.max(n - 1, 0), 16));
		return d.compareTo(LONGEST_INTERVAL) > 0 ? LONGEST_INTERVAL : d;
	}

	@Scheduled(fixedDelayString = "${subdesk.stores.lookup-interval:PT5M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void tick() {
		try {
			Run run = run();
			if (run.asked() > 0) {
				log.info("Store lookups: {}", run);
			}
		}
		catch (RuntimeException e) {
			log.warn("Store lookups failed; the next run tries again", e);
		}
	}

	/** A purchase taken for this run, with the schedule it had before ({@link #RELEASE}). */
	private record Claimed(String store, String purchaseId, int lookups, Timestamp due,
			@Nullable Timestamp lastLookup) {

		/** The purchase as a log line names it: a Google Play token only by its hash (a token is a credential). */
		String logName() {
			return StoreFields.purchaseForLog(store, purchaseId);
		}
	}

	/** Asks each store about its purchases due now (a batch a store), applies each answer, for at most the run's limit. */
	Run run() {
		return run(runLimit);
	}

	/**
	 * Asks each store about its purchases due now (a batch a store, taken apart: another store's backlog never
	 * takes a store's share), and applies each answer, one after the other, a purchase of each store in turn: a run
	 * holds a thread of the scheduler and a stop of the node waits for it, so it ends once {@code limit} has passed (a call under way
	 * finishes, bounded by its timeout), and asks a store no more after {@value #FAILURES_IN_A_ROW} calls to it in a
	 * row failed (it is down, or holds every call till the timeout), or once the node is stopping ({@link #stop}; the
	 * call in flight is answered first, or times out). The purchases it did not get to are given back their due time,
	 * asked first by the next run, on any node (else each would wait its whole interval, up to a day); also when the
	 * run ends on an exception (the purchase being asked then keeps its interval).
	 */
	Run run(Duration limit) {
		String packageName = properties.google() == null ? null : properties.google().packageName();
		List<String> stores = new ArrayList<>();
		if (packageName != null && !packageName.isBlank()) {
			stores.add(Channel.GOOGLE_PLAY.name());
		}
		if (appStore.asked()) {
			stores.add(Channel.APP_STORE.name());
		}
		if (stores.isEmpty()) {
			return new Run(0, 0, 0, 0); // no store to ask
		}
		long started = System.nanoTime(); // elapsed real time: the test clock does not move while a call waits
		Instant now = clock.instant();
		List<Claimed> claimed = Objects.requireNonNull(tx.execute(status -> inTurn(stores.stream()
			.map(store -> claim(now, store))
			.toList())));
		int applied = 0;
		int failed = 0;
		Map<String, Integer> failing = new HashMap<>();
		List<Claimed> left = new ArrayList<>();
		int reached = 0; // the purchases the loop came to: asked (or being asked), or left
		boolean ended = false;
		try {
			for (Claimed c : claimed) {
				reached++;
				if (stopping() || Thread.currentThread().isInterrupted()
						|| System.nanoTime() - started >= limit.toNanos()
						|| failing.getOrDefault(c.store(), 0) >= FAILURES_IN_A_ROW) {
					left.add(c);
					continue;
				}
				Asked asked = Channel.APP_STORE.name().equals(c.store()) ? appStore.lookUp(c.purchaseId(), clock.instant())
						: lookUp(Objects.requireNonNull(packageName), c);
				failing.put(c.store(), asked == Asked.UNAVAILABLE ? failing.getOrDefault(c.store(), 0) + 1 : 0);
				if (asked == Asked.APPLIED) {
					applied++;
				}
				else {
					failed++;
				}
			}
			ended = true;
		}
		finally {
			// an exception out of the loop leaves those it had not come to: given back as well
			List<Claimed> back = new ArrayList<>(left);
			back.addAll(claimed.subList(reached, claimed.size()));
			if (!back.isEmpty()) {
				release(back);
				log.warn("Store lookups: {} of {} purchases left to the next run ({}; calls failing in a row: {})",
						back.size(), claimed.size(), !ended ? "the run ended on an error"
								: stopping() || Thread.currentThread().isInterrupted() ? "the node is stopping"
										: System.nanoTime() - started >= limit.toNanos()
												? "the run's " + limit + " are up" : "a store kept failing",
						failing);
			}
		}
		return new Run(claimed.size() - left.size(), applied, failed, left.size());
	}

	/** Gives the purchases not asked about back the schedule they had ({@link #RELEASE}); a failure is logged. */
	private void release(List<Claimed> left) {
		for (Claimed c : left) {
			try {
				jdbc.sql(RELEASE)
					.param("lookups", c.lookups())
					.param("due", c.due())
					.param("last", c.lastLookup())
					.param("store", c.store())
					.param("purchase", c.purchaseId())
					.update();
			}
			catch (RuntimeException e) {
				log.warn("Store lookups: purchase {} could not be given back its due time; asked at its interval",
						c.logName(), e);
			}
		}
	}

	/**
	 * The purchases taken of each store, one of each store in turn (each store's in due order): a store that holds
	 * every call till its timeout takes no more of the run's time than the others, as each has its own share.
	 */
	static <T> List<T> inTurn(List<List<T>> byStore) {
		List<T> turns = new ArrayList<>();
		int longest = byStore.stream().mapToInt(List::size).max().orElse(0);
		for (int i = 0; i < longest; i++) {
			for (List<T> store : byStore) {
				if (i < store.size()) {
					turns.add(store.get(i));
				}
			}
		}
		return turns;
	}

	/**
	 * Takes the store's due purchases, at most a batch of them (skipping those another node holds), whose subscription
	 * still awaits the store, and moves each one's next lookup on by its interval before the store is asked, so that
	 * no other run asks again meanwhile and a failed call waits its interval. One whose subscription changed otherwise
	 * is rescheduled by what it is now. Each store is taken apart: its share of the run is its own.
	 */
	private List<Claimed> claim(Instant now, String store) {
		List<Claimed> claimed = new ArrayList<>();
		jdbc.sql(SELECT_DUE)
			.param("now", Timestamp.from(now))
			.param("store", store)
			.param("batch", batch)
			.query((rs, row) -> new Object[] { rs.getString("store"), rs.getString("purchase_id"),
					rs.getString("subscription_id"), rs.getInt("lookups"), rs.getTimestamp("lookup_due_at"),
					rs.getTimestamp("last_lookup_at") })
			.list()
			.forEach(r -> {
				String purchase = (String) r[1];
				Instant due = subscriptions.find((String) r[2]).map(StoreLookups::dueAt).orElse(null);
				if (due == null || due.isAfter(now)) {
					reschedule(jdbc, store, purchase, due);
					return;
				}
				jdbc.sql(CLAIM)
					.param("next", Timestamp.from(now.plus(interval((Integer) r[3] + 1))))
					.param("now", Timestamp.from(now))
					.param("store", store)
					.param("purchase", purchase)
					.update();
				claimed.add(new Claimed(store, purchase, (Integer) r[3], (Timestamp) r[4], (Timestamp) r[5]));
			});
		return claimed;
	}

	/** Sets when the purchase is asked about next, as of its subscription's due time (null: never). */
	static void reschedule(JdbcClient jdbc, String store, String purchaseId, @Nullable Instant due) {
		jdbc.sql(RESCHEDULE)
			.param("due", due == null ? null : Timestamp.from(due))
			.param("store", store)
			.param("purchase", purchaseId)
			.update();
	}

	/** Asks Google Play about one purchase and applies the answer: {@link Asked#APPLIED}, or why not. */
	private Asked lookUp(String packageName, Claimed c) {
		Instant asked = clock.instant();
		long read = sync.numberRead(); // before it is sent: a push's read sent after it stands (StoreSync.stale)
		Optional<PlaySubscriptionsApi.PlaySubscription> answer;
		try {
			answer = play.get(packageName, c.purchaseId());
		}
		catch (RuntimeException e) {
			log.warn("Google Play could not be asked about purchase {}: {}; asked again later", c.logName(),
					e.getMessage());
			return Asked.UNAVAILABLE;
		}
		if (answer.isEmpty()) {
			unknown.answered(c.store(), c.purchaseId(), asked); // asked no more after a few days of it
			return Asked.NOT_APPLIED;
		}
		PlaySubscriptionsApi.PlaySubscription p = answer.get();
		// the answer carries no time it was read at: it is dated when asked, and ordered by its read's number against
		// a push's read, which is numbered alike (a push read just before it and applied after it is stale)
		StoreReport report = new StoreReport(Channel.GOOGLE_PLAY, "lookup-" + UUID.randomUUID(), LOOKUP,
				p.subscriptionState(), asked, c.purchaseId(), p.productId(), p.obfuscatedExternalAccountId(),
				GooglePlayNotifications.changeOf(p, asked), null, read, p.latestOrderId());
		Optional<String> unusable = p.unusable().or(report::unusable);
		if (unusable.isPresent()) {
			// nothing of it is kept: asked again at the next interval, as after an answer that could not be applied
			log.warn("Google Play's answer about purchase {} could not be applied: it cannot be kept ({}); asked again "
					+ "later", c.logName(), unusable.get());
			return Asked.NOT_APPLIED;
		}
		try {
			StoreOutcome outcome = sync.apply(report);
			log.info("Google Play purchase {} looked up ({}): {}", c.logName(), p.subscriptionState(),
					outcome.outcome());
			return Asked.APPLIED;
		}
		catch (RuntimeException e) {
			log.warn("Google Play's answer about purchase {} could not be applied; asked again later", c.logName(), e);
			return Asked.NOT_APPLIED;
		}
	}
}
