package dev.subdesk.stores;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.StorableText;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import dev.subdesk.support.Support;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies a verified store notification to the subscription the purchase bills, in one transaction, through the
 * subscriptions module's own methods. A notification id seen before changes nothing; so does one older than the
 * last one applied to the same purchase ({@link #stale}: signed before it; of Google Play's reads, sent before it),
 * except for the refund it records ({@link #staleRefund}). A purchase whose account token is unknown, or whose product
 * is no plan or an add-on plan, opens a support case and is not guessed at; once the purchase bills a subscription,
 * its end, refund, auto-renewal and billing retry still apply to it whatever product the store names
 * ({@link #placesOnAPlan}). What the store reported last sets when it is asked if it
 * does not report again ({@link StoreLookups}), whose answers are applied here alike.
 * <p>
 * A Google Play order voided ({@link #voided}) ends only the subscription whose live period it paid for: Google's
 * voided entry names a purchase token and an order id, and a token may have billed several subscriptions (one that
 * ended, then a new one after a recovery from an account hold or a pause) and several periods (each renewal is an
 * order, the first order's id and {@code ..n}). Each purchase keeps the latest order Google reported
 * ({@code latest_order_id}, from {@code subscriptionsv2}), and each subscription it billed before its last one; no
 * other order is recorded. A voided order that is the live one (or a later renewal of it) is the live subscription's
 * refund; the last order of a subscription billed before is that one's refund; any other (an earlier period's) is
 * logged and changes nothing ({@link #EARLIER_ORDER}). A purchase with no order recorded (read before V750), or an
 * entry without an order id, is judged as before when the purchase never billed another subscription; otherwise which
 * subscription the order paid for is not known: nothing changes and a support case asks an agent ({@link #UNPLACED}).
 */
@Service
class StoreSync {

	private static final String PURCHASE_COLUMNS = """
			store, purchase_id, account_id, subscription_id, product_id, store_state, refunded_at, case_number, last_signed_at,
			last_read, latest_order_id""";

	/**
	 * The purchase as the report leaves it. The store reported it, so knows it: the count of lookups it answered that
	 * it does not know starts again, and lookups that stopped for it start again ({@link UnknownPurchases}), due at
	 * once unless the report moves the subscription on ({@link StoreLookups#reschedule}, just after).
	 */
	private static final String UPDATE_PURCHASE = """
			UPDATE store_purchases SET account_id = coalesce(account_id, :account), subscription_id = :subscription,
			    product_id = :product, store_state = :state, refunded_at = :refunded,
			    case_number = coalesce(:case, case_number), last_signed_at = :signed,
			    last_read = coalesce(CAST(:read AS bigint), last_read), updated_at = :at,
			    latest_order_id = CASE WHEN :moved THEN CAST(:order AS text)
			                           ELSE coalesce(CAST(:order AS text), latest_order_id) END,
			    unknown_answers = 0, unknown_since = NULL,
			    lookup_due_at = CASE WHEN lookup_stopped_at IS NULL THEN lookup_due_at ELSE lookup_for END,
			    lookup_stopped_at = NULL, lookup_stopped_reason = NULL
			WHERE store = :store AND purchase_id = :purchase
			""";

	/**
	 * The ended subscription a purchase billed before it moved to a new one keeps the store's last state and refund,
	 * and its last order (Google Play's), whose voiding is its refund ({@link #voided}).
	 */
	private static final String INSERT_PAST_SUBSCRIPTION = """
			INSERT INTO store_past_subscriptions (subscription_id, store, purchase_id, product_id, store_state,
			                                      refunded_at, moved_at, latest_order_id)
			VALUES (:subscription, :store, :purchase, :product, :state, :refunded, :at, :order)
			ON CONFLICT (subscription_id) DO NOTHING
			""";

	private static final String SELECT_PURCHASE_OF = "SELECT " + PURCHASE_COLUMNS
			+ " FROM store_purchases WHERE subscription_id = :subscription ORDER BY updated_at DESC LIMIT 1";

	private static final String SELECT_PAST_PURCHASE_OF = """
			SELECT p.store, p.purchase_id, p.account_id, h.subscription_id, h.product_id, h.store_state, h.refunded_at,
			       p.case_number, p.last_signed_at, p.last_read, h.latest_order_id
			FROM store_past_subscriptions h
			JOIN store_purchases p ON p.store = h.store AND p.purchase_id = h.purchase_id
			WHERE h.subscription_id = :subscription
			""";

	/** {@link #voided}'s outcome for an order of no period the purchase's live subscription runs: nothing changed. */
	static final String EARLIER_ORDER = "EARLIER_ORDER";

	/**
	 * {@link #voided}'s outcome for an order whose period cannot be placed (the purchase billed another subscription
	 * before, and an order id to tell which is missing): nothing changed, and a support case opened for an agent.
	 */
	static final String UNPLACED = "UNPLACED";

	private static final Logger log = LoggerFactory.getLogger(StoreSync.class);

	private final JdbcClient jdbc;
	private final Subscriptions subscriptions;
	private final StoreAccountTokens tokens;
	private final Accounts accounts;
	private final Catalog catalog;
	private final Support support;
	private final StoresProperties properties;
	private final Clock clock;
	/** A savepoint inside the notification's transaction ({@link #changed}). */
	private final TransactionTemplate savepoint;

	StoreSync(JdbcClient jdbc, Subscriptions subscriptions, StoreAccountTokens tokens, Accounts accounts,
			Catalog catalog, Support support, StoresProperties properties, Clock clock,
			PlatformTransactionManager transactions) {
		this.jdbc = jdbc;
		this.subscriptions = subscriptions;
		this.tokens = tokens;
		this.accounts = accounts;
		this.catalog = catalog;
		this.support = support;
		this.properties = properties;
		this.clock = clock;
		this.savepoint = new TransactionTemplate(transactions);
		this.savepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
	}

	/**
	 * A purchase as Subdesk keeps it; {@code latestOrderId} is the order of the period the subscription it bills runs
	 * now, as Google Play last reported it (null: not reported, or another store).
	 */
	record Purchase(String store, String purchaseId, @Nullable String accountId, @Nullable String subscriptionId,
			String productId, String storeState, @Nullable Instant refundedAt, @Nullable String caseNumber,
			Instant lastSignedAt, @Nullable Long lastRead, @Nullable String latestOrderId) {
	}

	/**
	 * The number of a read at the store about to be sent ({@link StoreReport#read}): a Google Play push or lookup takes
	 * one just before it asks for the purchase's state, so that of two reads of a purchase the one sent later is the
	 * one that stands, whichever is applied last. Google signs no time on its answer, and the clock reads whole
	 * seconds: two reads a moment apart have the same time. A database sequence, so that every node's reads are
	 * numbered in one order.
	 */
	long numberRead() {
		return jdbc.sql("SELECT nextval('store_reads')").query(Long.class).single();
	}

	/**
	 * Applies a report whose ids can be kept ({@link StoreReport#unusable}: whoever reads it from the store checks it
	 * first, and answers the store as its path does); one that cannot is refused here too, before anything is written.
	 */
	@Transactional
	public StoreOutcome apply(StoreReport report) {
		report.unusable().ifPresent(why -> {
			throw new IllegalArgumentException("A store report that cannot be kept: " + why);
		});
		Instant now = clock.instant();
		boolean first = jdbc.sql("""
				INSERT INTO store_notifications (store, notification_id, type, subtype, signed_at, purchase_id, outcome,
				                                 received_at)
				VALUES (:store, :id, :type, :subtype, :signed, :purchase, 'RECEIVED', :at)
				ON CONFLICT (store, notification_id) DO NOTHING
				""")
			.param("store", report.store().name())
			.param("id", report.notificationId())
			.param("type", report.type())
			.param("subtype", report.subtype())
			.param("signed", Timestamp.from(report.signedAt()))
			.param("purchase", report.purchaseId())
			.param("at", Timestamp.from(now))
			.update() == 1;
		if (!first) {
			return new StoreOutcome("DUPLICATE", null, null);
		}
		StoreOutcome outcome = applyOnce(report, now);
		jdbc.sql("UPDATE store_notifications SET outcome = :outcome WHERE store = :store AND notification_id = :id")
			.param("outcome", outcome.outcome())
			.param("store", report.store().name())
			.param("id", report.notificationId())
			.update();
		return outcome;
	}

	private StoreOutcome applyOnce(StoreReport received, Instant now) {
		String purchaseId = received.purchaseId();
		String productId = received.productId();
		if (purchaseId == null || productId == null) {
			return new StoreOutcome("IGNORED", null, null);
		}
		// a first notification makes the row (never signed yet); concurrent ones for one purchase queue on its lock
		jdbc.sql("""
				INSERT INTO store_purchases (store, purchase_id, product_id, store_state, last_signed_at, updated_at)
				VALUES (:store, :purchase, :product, 'NEW', 'epoch', :at)
				ON CONFLICT (store, purchase_id) DO NOTHING
				""")
			.param("store", received.store().name())
			.param("purchase", purchaseId)
			.param("product", productId)
			.param("at", Timestamp.from(now))
			.update();
		Purchase purchase = lock(received.store().name(), purchaseId).orElseThrow();
		if (stale(received, purchase)) {
			return staleRefund(received, purchase, now)
				.orElseGet(() -> new StoreOutcome("STALE", purchase.subscriptionId(), null));
		}
		StoreReport report = received;
		if (received.change() instanceof StoreChange.RefundReversed && purchase.refundedAt() == null) {
			// the refund it reverses is not on the subscription the purchase bills now (an earlier one's, or none)
			log.warn("{} reversed a refund of purchase {}, but subscription {} it bills is not refunded: nothing changed",
					received.store().storeName(), purchaseName(received), purchase.subscriptionId());
			report = received.withChange(new StoreChange.Nothing(received.type()));
		}
		String accountId = purchase.accountId() != null ? purchase.accountId()
				: Optional.ofNullable(report.accountToken()).flatMap(tokens::accountOf).orElse(null);
		String planCode = properties.planFor(productId);
		StoreOutcome outcome;
		if (accountId == null) {
			// the token is the app's text, whatever it set: quoted as it can be stored
			outcome = unmatched(report, purchase, null, "no account has the token the app set (%s)"
				.formatted(report.accountToken() == null ? "none" : StorableText.excerpt(report.accountToken(), 100)));
		}
		else if (accounts.get(accountId).closed() && !billsALiveSubscription(purchase)) {
			// a closed account gets no new subscription; one the store still bills follows the store to its end
			outcome = unmatched(report, purchase, null, "the account of this purchase is closed");
		}
		else {
			Optional<String> noPlan = noPlanFor(productId, planCode);
			if (noPlan.isPresent() && (placesOnAPlan(report.change()) || purchase.subscriptionId() == null)) {
				outcome = unmatched(report, purchase, accounts.get(accountId), noPlan.get());
			}
			else {
				outcome = changed(purchase, report, accountId, planCode);
			}
		}
		String billed = outcome.subscriptionId() != null ? outcome.subscriptionId() : purchase.subscriptionId();
		String ended = purchase.subscriptionId();
		boolean moved = ended != null && !ended.equals(billed);
		if (moved) {
			// a new subscription (the old one ended): the old one keeps its last state and refund where it is read
			jdbc.sql(INSERT_PAST_SUBSCRIPTION)
				.param("subscription", ended)
				.param("store", purchase.store())
				.param("purchase", purchaseId)
				.param("product", purchase.productId())
				.param("state", purchase.storeState())
				.param("refunded", purchase.refundedAt() == null ? null : Timestamp.from(purchase.refundedAt()))
				.param("at", Timestamp.from(now))
				.param("order", purchase.latestOrderId())
				.update();
		}
		Instant refunded;
		if (report.change() instanceof StoreChange.RefundReversed) {
			log.warn("{} reversed the refund of purchase {}: subscription {} is no longer shown as refunded and stays "
					+ "ended (never reopened; the store's next renewal starts a new one)", report.store().storeName(),
					purchaseName(report), billed);
			refunded = null;
		}
		else {
			refunded = report.refundedAt() != null ? refundedAt(report, purchase)
					: moved ? null : purchase.refundedAt();
		}
		jdbc.sql(UPDATE_PURCHASE)
			.param("account", "UNMATCHED".equals(outcome.outcome()) ? null : accountId)
			.param("subscription", billed)
			.param("product", productId)
			.param("state", report.change() instanceof StoreChange.Nothing ? purchase.storeState()
					: report.change().storeState())
			.param("refunded", refunded == null ? null : Timestamp.from(refunded))
			.param("case", outcome.caseNumber())
			.param("signed", Timestamp.from(report.signedAt()))
			.param("read", report.read())
			.param("moved", moved)
			.param("order", report.latestOrderId())
			.param("at", Timestamp.from(now))
			.param("store", report.store().name())
			.param("purchase", purchaseId)
			.update();
		// the store is asked about the purchase if it has not reported again by when the subscription needs it
		StoreLookups.reschedule(jdbc, report.store().name(), purchaseId,
				billed == null ? null : StoreLookups.dueAt(subscriptions.lock(billed)));
		return outcome;
	}

	/**
	 * Records a Google Play order Google voided ({@link VoidedPurchases}) as the store's refund of the subscription its
	 * purchase token bills, if it is the order of the period that subscription runs now ({@link #periodOf}),
	 * once: the entry's id ({@link PlayVoidedPurchasesApi.Voided#notificationId}) is recorded
	 * among Google's notifications (type {@code VOIDED}), so the same entry read again is {@code DUPLICATE} and changes
	 * nothing. A purchase token of none of our store subscriptions is {@code UNKNOWN}: nothing is recorded. Google
	 * lists only revoked orders, so a subscription that has not ended ends as a store refund does ({@code REFUND},
	 * the revocation before it): CANCELLED at the voided time, {@code subscription.cancelled}; one that has ended (the
	 * revocation's push read it EXPIRED first) keeps its end, and the purchase records the refund alone, as a refund
	 * reported after an expiry always did. The purchase's store state becomes {@code REFUNDED} and its
	 * {@code refunded_at} the voided time (no later than now); a subscription already shown as refunded is left as it
	 * is ({@code IGNORED}). The last order of a subscription the purchase billed before it moved is recorded as that
	 * subscription's refund ({@code APPLIED}; its end kept, no event), the live one left as it is; any other order (of
	 * an earlier period) changes nothing ({@link #EARLIER_ORDER}). An order whose period cannot be placed (the purchase
	 * billed another subscription before, and its latest order is not recorded, read before V750, or the entry has no
	 * order id, and it is no past subscription's last order) changes no subscription either: it may be the live one's
	 * refund, so it is not passed over as an earlier order but goes, once (the entry is recorded once), to the
	 * purchase's support case for an agent to ask Google which subscription it paid for ({@link #UNPLACED}; none when
	 * the purchase is recorded as refunded).
	 * <p>
	 * {@code read} is the number taken just before the list was asked for ({@link #numberRead}): a read of the
	 * purchase sent before it (its answer may be of the state before the revocation) is then stale, whenever it is
	 * applied.
	 */
	@Transactional
	public String voided(PlayVoidedPurchasesApi.Voided voided, long read) {
		Instant now = clock.instant();
		String store = Channel.GOOGLE_PLAY.name();
		Purchase purchase = lock(store, voided.purchaseToken()).orElse(null);
		if (purchase == null || purchase.subscriptionId() == null) {
			return "UNKNOWN";
		}
		Instant at = voided.voidedAt().isAfter(now) ? now : voided.voidedAt();
		boolean first = jdbc.sql("""
				INSERT INTO store_notifications (store, notification_id, type, subtype, signed_at, purchase_id, outcome,
				                                 received_at)
				VALUES (:store, :id, 'VOIDED', NULL, :signed, :purchase, 'RECEIVED', :at)
				ON CONFLICT (store, notification_id) DO NOTHING
				""")
			.param("store", store)
			.param("id", voided.notificationId())
			.param("signed", Timestamp.from(at))
			.param("purchase", voided.purchaseToken())
			.param("at", Timestamp.from(now))
			.update() == 1;
		if (!first) {
			return "DUPLICATE";
		}
		Optional<PastSubscription> past = pastSubscriptionLastBilledBy(purchase, voided.orderId());
		String outcome = past.isPresent() ? pastRefund(past.get(), voided, at)
				: switch (periodOf(purchase, voided.orderId())) {
					case LIVE -> liveRefund(purchase, voided, at, now, read);
					case EARLIER -> {
						log.info("Google Play voided order {} of the purchase whose token hashes to {}: not the order of the period subscription {} "
								+ "runs now (its latest order is {}), nor the last order of a subscription the purchase "
								+ "billed before: nothing changed", voided.orderId(), voided.tokenHash(),
								purchase.subscriptionId(), purchase.latestOrderId());
						yield EARLIER_ORDER;
					}
					case NOT_KNOWN -> unplaced(purchase, voided);
				};
		jdbc.sql("UPDATE store_notifications SET outcome = :outcome WHERE store = :store AND notification_id = :id")
			.param("outcome", outcome)
			.param("store", store)
			.param("id", voided.notificationId())
			.update();
		return outcome;
	}

	/**
	 * Records the voided order of the live period as the refund of the subscription the purchase bills now: ends it as
	 * a store refund does if it has not ended; a purchase already shown as refunded is left as it is.
	 */
	private String liveRefund(Purchase purchase, PlayVoidedPurchasesApi.Voided voided, Instant at, Instant now,
			long read) {
		if (purchase.refundedAt() != null) {
			return "IGNORED";
		}
		String store = purchase.store();
		Subscription s = subscriptions.lock(Objects.requireNonNull(purchase.subscriptionId()));
		if (!s.ended()) {
			s = subscriptions.end(s, Subscription.Status.CANCELLED, at, null);
		}
		jdbc.sql("""
				UPDATE store_purchases SET refunded_at = :refunded, store_state = 'REFUNDED', updated_at = :at,
				    last_read = greatest(last_read, :read)
				WHERE store = :store AND purchase_id = :purchase
				""")
			.param("refunded", Timestamp.from(at))
			.param("at", Timestamp.from(now))
			.param("read", read)
			.param("store", store)
			.param("purchase", voided.purchaseToken())
			.update();
		StoreLookups.reschedule(jdbc, store, voided.purchaseToken(), StoreLookups.dueAt(s));
		log.info("Google Play voided order {} of the purchase whose token hashes to {}: subscription {} recorded as refunded at {}",
				voided.orderId(), voided.tokenHash(), s.id(), at);
		return "APPLIED";
	}

	/** A subscription the purchase billed before it moved to a new one, and whether its refund is recorded. */
	private record PastSubscription(String subscriptionId, boolean refunded) {
	}

	/** The subscription the purchase billed before it moved whose last order is {@code orderId}, if any. */
	private Optional<PastSubscription> pastSubscriptionLastBilledBy(Purchase purchase, @Nullable String orderId) {
		if (orderId == null) {
			return Optional.empty();
		}
		return jdbc.sql("""
				SELECT subscription_id, refunded_at IS NOT NULL AS refunded FROM store_past_subscriptions
				WHERE store = :store AND purchase_id = :purchase AND latest_order_id = :order
				ORDER BY moved_at DESC LIMIT 1
				FOR UPDATE
				""")
			.param("store", purchase.store())
			.param("purchase", purchase.purchaseId())
			.param("order", orderId)
			.query((rs, row) -> new PastSubscription(rs.getString("subscription_id"), rs.getBoolean("refunded")))
			.optional();
	}

	/**
	 * Records the voided last order of a subscription the purchase billed before it moved as that subscription's
	 * refund (it has ended: its end is kept, and no event is sent, as for a refund after an expiry); the subscription
	 * the purchase bills now is left as it is.
	 */
	private String pastRefund(PastSubscription past, PlayVoidedPurchasesApi.Voided voided, Instant at) {
		if (past.refunded()) {
			return "IGNORED";
		}
		jdbc.sql("""
				UPDATE store_past_subscriptions SET refunded_at = :refunded, store_state = 'REFUNDED'
				WHERE subscription_id = :subscription
				""")
			.param("refunded", Timestamp.from(at))
			.param("subscription", past.subscriptionId())
			.update();
		log.info("Google Play voided order {} of the purchase whose token hashes to {}: subscription {} it billed before recorded as refunded at {}; "
				+ "the one it bills now is left as it is", voided.orderId(), voided.tokenHash(),
				past.subscriptionId(), at);
		return "APPLIED";
	}

	/** Which period of the purchase's subscriptions a voided order paid for, as far as {@link #periodOf} can tell. */
	private enum Period {
		/** The period the subscription the purchase bills now runs. */
		LIVE,
		/** An earlier period. */
		EARLIER,
		/** Not known: the live one's, or one of a subscription the purchase billed before. */
		NOT_KNOWN
	}

	/**
	 * Whether a voided order (no past subscription's last order) is of the period the subscription the purchase bills
	 * now runs: its latest order as Google last reported it ({@code latest_order_id}), or a later order of the same
	 * purchase ({@link GoogleOrder#after}: a renewal Google billed that no read applied yet); any other is an earlier
	 * period's. Where either id is missing (a purchase last read before V750, an entry without an order id), the order
	 * is taken as the live period's if the purchase never billed another subscription, as it was before; otherwise its
	 * period is {@link Period#NOT_KNOWN}: it may be the live one's as well as a past subscription's.
	 */
	private Period periodOf(Purchase purchase, @Nullable String orderId) {
		String latest = purchase.latestOrderId();
		if (orderId != null && latest != null) {
			return orderId.equals(latest) || GoogleOrder.after(orderId, latest) ? Period.LIVE : Period.EARLIER;
		}
		return pastSubscriptionsOf(purchase).isEmpty() ? Period.LIVE : Period.NOT_KNOWN;
	}

	/** The subscriptions the purchase billed before it moved, the latest move first. */
	private List<String> pastSubscriptionsOf(Purchase purchase) {
		return jdbc.sql("""
				SELECT subscription_id FROM store_past_subscriptions WHERE store = :store AND purchase_id = :purchase
				ORDER BY moved_at DESC, subscription_id
				""")
			.param("store", purchase.store())
			.param("purchase", purchase.purchaseId())
			.query(String.class)
			.list();
	}

	/**
	 * A voided order whose period cannot be placed ({@link Period#NOT_KNOWN}) changes no subscription: it goes to a
	 * case for an agent to ask Google Play which subscription it paid for and refund or end that one. The case is the
	 * purchase's account's (masked in the console until the caller is verified, erased with the account), and the
	 * customer is not told (it is staff's work, {@link Support#openOrAddForStaff}); one case per purchase while it is
	 * open, a line for each such order (the purchase named by a hash of its token, never the token). A purchase of no
	 * account gets a case of no account. {@link #voided} records the entry first, so an order is added once. A purchase
	 * already recorded as refunded leaves nothing to do: no case ({@code IGNORED}).
	 */
	private String unplaced(Purchase purchase, PlayVoidedPurchasesApi.Voided voided) {
		String order = voided.orderId() == null ? "without an order id" : voided.orderId();
		if (purchase.refundedAt() != null) {
			log.info("Google Play voided order {} of the purchase whose token hashes to {}: which subscription it paid for is not known, but the "
					+ "purchase is recorded as refunded (at {}): nothing changed, no case", order, voided.tokenHash(),
					purchase.refundedAt());
			return "IGNORED";
		}
		List<String> past = pastSubscriptionsOf(purchase);
		String reference = purchase.store() + ":" + voided.tokenHash();
		String subject = "Google Play refund: which subscription a voided order paid for is to be checked";
		String about = ("Google Play voided orders of a purchase (%s) that moved to a new subscription; which subscription "
				+ "each paid for cannot be told (an order id is not recorded, or the entry names none). Nothing was "
				+ "changed. For each order below, check with Google Play which subscription it paid for, and refund or "
				+ "end that one.").formatted(reference);
		String item = ("Voided order %s (entry %s): the purchase bills subscription %s now (latest order %s) and billed "
				+ "%s before.").formatted(order, voided.notificationId(), purchase.subscriptionId(),
					purchase.latestOrderId() == null ? "not recorded" : purchase.latestOrderId(), String.join(", ", past));
		String accountId = purchase.accountId();
		String number = (accountId == null ? support.openUnmatched(subject, "STORE", about + "\n" + item)
				: support.openOrAddForStaff(accountId, reference, subject, "STORE", about, item)).caseNumber();
		log.warn("Google Play voided order {} of the purchase whose token hashes to {}: which subscription it paid for is not known (it bills {} "
				+ "now, {} before); nothing changed, support case {}", order, voided.tokenHash(),
				purchase.subscriptionId(), past, number);
		return UNPLACED;
	}

	/**
	 * A Google Play order id: a purchase's first order ({@code GPA.1234-5678-9012-34567}), and each renewal's that id
	 * and {@code ..n}, n counting from 0.
	 */
	record GoogleOrder(String base, int renewal) {

		private static final java.util.regex.Pattern RENEWAL = java.util.regex.Pattern.compile("(.+)\\.\\.([0-9]{1,9})");

		static GoogleOrder of(String orderId) {
			var m = RENEWAL.matcher(orderId);
			return m.matches() ? new GoogleOrder(m.group(1), Integer.parseInt(m.group(2))) : new GoogleOrder(orderId, -1);
		}

		/** Whether {@code orderId} is an order of the same purchase billed after {@code than}. */
		static boolean after(String orderId, String than) {
			GoogleOrder order = of(orderId);
			GoogleOrder other = of(than);
			return order.base().equals(other.base()) && order.renewal() > other.renewal();
		}
	}

	/**
	 * Whether the report is older than the last one applied to the purchase (the row is locked: the check and the
	 * update after it are one step). Of two reads at the store, the one sent earlier ({@link StoreReport#read}): its
	 * answer may be of the state before the other's, whichever comes first, and neither signs when it read; otherwise
	 * (a store-signed report, or a purchase no numbered read was applied to yet) one signed before.
	 */
	private static boolean stale(StoreReport report, Purchase purchase) {
		if (report.read() != null && purchase.lastRead() != null) {
			return report.read() < purchase.lastRead();
		}
		return report.signedAt().isBefore(purchase.lastSignedAt());
	}

	/**
	 * A stale report (older than the last one applied, {@link #stale}) changes no state, as its read of the purchase may
	 * be older than what was applied (a notice's read at the store happens before it takes the purchase's lock). But a
	 * refund it reports is a fact no later report undoes or repeats: only a revocation notice's type tells a refund from
	 * an expiry, and an answer to a lookup ({@link StoreLookups}) that ended the subscription just before must not make
	 * it lost. So it is recorded on the purchase, for the subscription it bills, the state left as it is.
	 */
	private Optional<StoreOutcome> staleRefund(StoreReport report, Purchase purchase, Instant now) {
		if (report.refundedAt() == null || purchase.refundedAt() != null || purchase.subscriptionId() == null
				|| report.change() instanceof StoreChange.RefundReversed) {
			return Optional.empty();
		}
		jdbc.sql("""
				UPDATE store_purchases SET refunded_at = :refunded, store_state = :state, updated_at = :at
				WHERE store = :store AND purchase_id = :purchase
				""")
			.param("refunded", Timestamp.from(refundedAt(report, purchase)))
			.param("state", report.change().storeState())
			.param("at", Timestamp.from(now))
			.param("store", purchase.store())
			.param("purchase", purchase.purchaseId())
			.update();
		log.info("{} reported a refund of purchase {} signed before the last report applied: recorded, its state kept",
				report.store().storeName(), purchaseName(report));
		return Optional.of(new StoreOutcome("APPLIED", purchase.subscriptionId(), null));
	}

	/**
	 * When the report's refund is recorded as made: a store-signed report's time as it says; a read's (a Google Play
	 * revocation, whose unsigned body dates it) no earlier than the purchase's last read applied, which found it
	 * unrefunded or reported no refund.
	 */
	private static Instant refundedAt(StoreReport report, Purchase purchase) {
		Instant said = Objects.requireNonNull(report.refundedAt());
		return report.read() != null && said.isBefore(purchase.lastSignedAt()) ? purchase.lastSignedAt() : said;
	}

	/**
	 * Why the store's product cannot be placed on a plan (empty: it can): it is no plan, or it is an add-on plan, which
	 * a store purchase cannot be (an add-on needs the subscription it adds to, and a store names none).
	 */
	private Optional<String> noPlanFor(String productId, String planCode) {
		return catalog.find(planCode)
			.map(plan -> plan.isAddOn() ? Optional.of(("the store product %s is the add-on plan %s: a store purchase "
					+ "is placed on a base plan only").formatted(productId, planCode)) : Optional.<String>empty())
			.orElseGet(() -> Optional.of("no plan for the store product " + productId));
	}

	/**
	 * Whether the change places the purchase on its product's plan: a purchase or a renewal creates a subscription or
	 * moves it to that plan. The others (an end, a refund's reversal, auto-renewal, a billing retry) apply to the
	 * subscription the purchase bills, whatever product it names now.
	 */
	private static boolean placesOnAPlan(StoreChange change) {
		return change instanceof StoreChange.Subscribed || change instanceof StoreChange.Renewed;
	}

	/**
	 * Applies the change ({@link #change}) in a savepoint. A refusal the subscriptions module answers with a 4xx is
	 * about what the store cannot change (a field it does not send, a rule of our catalog): the store would get it for
	 * days on every retry. So that change is undone alone, and the notification goes to the purchase's case
	 * ({@link #unmatched}) and is recorded; anything else (a 5xx, a failure of ours) rolls the notification back.
	 */
	private StoreOutcome changed(Purchase purchase, StoreReport report, String accountId, String planCode) {
		try {
			String subscriptionId = savepoint.execute(status -> change(purchase, report, accountId, planCode));
			return new StoreOutcome(report.change() instanceof StoreChange.Nothing ? "IGNORED" : "APPLIED",
					subscriptionId, null);
		}
		catch (SubdeskException e) {
			if (e.status() >= 500) {
				throw e;
			}
			log.warn("{} notification {} of purchase {} could not be applied ({} {}): nothing changed, the purchase's case "
					+ "is told", report.store().storeName(), report.notificationId(), purchaseName(report), e.code(),
					e.getMessage());
			return unmatched(report, purchase, accounts.get(accountId),
					"its change could not be applied (%s: %s)".formatted(e.code(), StorableText.excerpt(
							Objects.requireNonNullElse(e.getMessage(), ""), 200)));
		}
	}

	/**
	 * How a case or a log line names the purchase: an App Store purchase by its original transaction id; a Google Play
	 * one by a hash of its token ({@link StoreFields#tokenHash}; the token is never written), and its latest order
	 * when Google reported one (an agent finds the order in the Play Console).
	 */
	static String purchaseName(StoreReport report) {
		String id = Objects.requireNonNull(report.purchaseId());
		if (report.store() != Channel.GOOGLE_PLAY) {
			return id;
		}
		return "whose token hashes to " + StoreFields.tokenHash(id)
				+ (report.latestOrderId() == null ? "" : " (order " + report.latestOrderId() + ")");
	}

	/**
	 * Opens a case about a purchase Subdesk cannot place, and changes no subscription: one case per purchase while it
	 * is not resolved, each further report a line of its timeline. A purchase of no account gets a case of no account;
	 * one of an account an internal case of that account ({@link Support#openOrAddForStaff}: the customer is not told,
	 * it is staff's work to map the product or link the purchase).
	 */
	private StoreOutcome unmatched(StoreReport report, Purchase purchase, @Nullable Account account, String why) {
		String name = purchaseName(report);
		String item = "%s%s (notification %s, signed %s), product %s: %s".formatted(report.type(),
				report.subtype() == null ? "" : " " + report.subtype(), report.notificationId(), report.signedAt(),
				report.productId(), why);
		String open = purchase.caseNumber() == null ? null
				: support.find(purchase.caseNumber())
					.filter(c -> c.status() != dev.subdesk.support.SupportCase.Status.RESOLVED)
					.map(dev.subdesk.support.SupportCase::caseNumber)
					.orElse(null);
		String number;
		if (open != null) {
			support.note(open, "system", item);
			number = open;
		}
		else {
			String subject = "%s purchase %s: %s".formatted(report.store().storeName(), name, why);
			String about = "Store %s, purchase %s. Find the customer and link the purchase, or map its product to a plan."
				.formatted(report.store().name(), name);
			number = (account == null ? support.openUnmatched(subject, "STORE", about + "\n" + item)
					: support.openOrAddForStaff(account.id(), report.store().name() + ":" + reference(report), subject,
							"STORE", about, item)).caseNumber();
		}
		log.warn("{} purchase {} not placed ({} {}): support case {}", report.store().storeName(), name,
				report.type(), report.notificationId(), number);
		return new StoreOutcome("UNMATCHED", null, number);
	}

	/** What names the purchase in its case's reference: the same for each report of it, never a Google token. */
	private static String reference(StoreReport report) {
		String id = Objects.requireNonNull(report.purchaseId());
		return report.store() == Channel.GOOGLE_PLAY ? StoreFields.tokenHash(id) : id;
	}

	/**
	 * Whether the purchase bills a subscription that has not ended. Closing an account leaves such a subscription to
	 * the store (it cannot be cancelled here): its renewals, refunds and end still apply.
	 */
	private boolean billsALiveSubscription(Purchase purchase) {
		return purchase.subscriptionId() != null && !subscriptions.lock(purchase.subscriptionId()).ended();
	}

	/** Applies the change; returns the subscription the purchase bills now (null: none). */
	private @Nullable String change(Purchase purchase, StoreReport report, String accountId, String planCode) {
		Subscription live = Optional.ofNullable(purchase.subscriptionId())
			.map(subscriptions::lock)
			.filter(s -> !s.ended())
			.orElse(null);
		if (live != null && !live.planCode().equals(planCode)) {
			// the store moved the purchase to another product: an upgrade at once, a downgrade at its renewal
			switch (report.change()) {
				case StoreChange.Subscribed bought ->
					live = subscriptions.storePlanChanged(live, catalog.get(planCode), bought.periodStart(),
							bought.periodEnd());
				case StoreChange.Renewed renewed ->
					live = subscriptions.storePlanChanged(live, catalog.get(planCode), renewed.periodStart(),
							renewed.periodEnd());
				default -> {
					// only a report of what the store bills now names the product it bills
				}
			}
		}
		switch (report.change()) {
			case StoreChange.Subscribed bought -> {
				Subscription s = live == null
						? subscriptions.purchaseFromStore(accountId, planCode, report.store(), bought.periodStart(),
								bought.periodEnd())
						: renewedIfMoved(live, bought.periodStart(), bought.periodEnd());
				if (!bought.autoRenew() && !s.scheduledToEnd()) {
					s = subscriptions.scheduleEnd(s, bought.periodEnd(), null);
				}
				else if (bought.autoRenew() && s.scheduledToEnd()) {
					s = subscriptions.unschedule(s);
				}
				return s.id();
			}
			case StoreChange.Renewed renewed -> {
				return (live == null
						? subscriptions.purchaseFromStore(accountId, planCode, report.store(), renewed.periodStart(),
								renewed.periodEnd())
						: subscriptions.storeRenewed(live, renewed.periodStart(), renewed.periodEnd())).id();
			}
			case StoreChange.AutoRenewChanged change -> {
				if (live == null && purchase.subscriptionId() == null) {
					// the first news of this purchase (its SUBSCRIBED comes later, or never): it runs until the store's end
					return change(purchase, new StoreReport(report.store(), report.notificationId(), report.type(),
							report.subtype(), report.signedAt(), report.purchaseId(), report.productId(),
							report.accountToken(), new StoreChange.Subscribed(change.periodStart(), change.until(),
									change.on()), null, report.read(), report.latestOrderId()), accountId, planCode);
				}
				if (live == null) {
					return purchase.subscriptionId();
				}
				if (!change.on() && !live.scheduledToEnd()) {
					subscriptions.scheduleEnd(live, change.until(), null);
				}
				else if (change.on() && live.scheduledToEnd()) {
					subscriptions.unschedule(live);
				}
				return live.id();
			}
			case StoreChange.BillingRetry retry -> {
				if (live != null) {
					subscriptions.storePastDue(live, graceUntil(live, retry));
				}
				return purchase.subscriptionId();
			}
			case StoreChange.Ended ended -> {
				if (live != null) {
					subscriptions.end(live, ended.status(), ended.at(), null);
				}
				return purchase.subscriptionId();
			}
			case StoreChange.RefundReversed reversed -> {
				// whether a reversed refund gives the customer the subscription back is not decided: it stays as it is
				return purchase.subscriptionId();
			}
			case StoreChange.Nothing nothing -> {
				return purchase.subscriptionId();
			}
		}
	}

	/**
	 * Until when the store serves a subscription in its billing retry: without a grace period, the end of the period
	 * paid for (the store gives no service past it); in one, the grace's end the store names. A grace end that is
	 * missing, or not past the period paid for (a store that reports the old expiry), is no end: null, and
	 * entitlements keep our own dunning's days.
	 */
	private static @Nullable Instant graceUntil(Subscription s, StoreChange.BillingRetry retry) {
		if (!retry.gracePeriod()) {
			return s.currentPeriodEnd();
		}
		Instant end = retry.graceEnd();
		return end != null && end.isAfter(s.currentPeriodEnd()) ? end : null;
	}

	/**
	 * The store's period applied when it moved (or the subscription was PAST_DUE): a later end than ours starts at
	 * our current end, as a store that reports only a purchase's first start (Google Play) cannot say otherwise.
	 */
	private Subscription renewedIfMoved(Subscription s, Instant start, Instant end) {
		if (s.status() == Subscription.Status.ACTIVE && s.currentPeriodEnd().equals(end)) {
			return s;
		}
		Instant from = end.isAfter(s.currentPeriodEnd()) && start.isBefore(s.currentPeriodEnd()) ? s.currentPeriodEnd()
				: start;
		return subscriptions.storeRenewed(s, from, end);
	}

	private Optional<Purchase> lock(String store, String purchaseId) {
		return jdbc.sql("SELECT " + PURCHASE_COLUMNS
				+ " FROM store_purchases WHERE store = :store AND purchase_id = :purchase FOR UPDATE")
			.param("store", store)
			.param("purchase", purchaseId)
			.query(StoreSync::map)
			.optional();
	}

	/**
	 * The store purchase that bills a subscription, if any; for a subscription the purchase billed before it moved to
	 * a new one, the purchase with that subscription's own last state and refund.
	 */
	@Transactional(readOnly = true)
	public Optional<Purchase> purchaseOf(String subscriptionId) {
		return jdbc.sql(SELECT_PURCHASE_OF)
			.param("subscription", subscriptionId)
			.query(StoreSync::map)
			.optional()
			.or(() -> jdbc.sql(SELECT_PAST_PURCHASE_OF)
				.param("subscription", subscriptionId)
				.query(StoreSync::map)
				.optional());
	}

	static Purchase map(ResultSet rs, int row) throws SQLException {
		Timestamp refunded = rs.getTimestamp("refunded_at");
		return new Purchase(rs.getString("store"), rs.getString("purchase_id"), rs.getString("account_id"),
				rs.getString("subscription_id"), rs.getString("product_id"), rs.getString("store_state"),
				refunded == null ? null : refunded.toInstant(), rs.getString("case_number"),
				rs.getTimestamp("last_signed_at").toInstant(), rs.getObject("last_read", Long.class),
				rs.getString("latest_order_id"));
	}
}
