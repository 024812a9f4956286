package dev.subdesk.billing;

import dev.subdesk.accounts.Account;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.accounts.PaymentMethod;
import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.payments.PaymentGateway;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.BulkCopy;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Money;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import jakarta.annotation.PreDestroy;
import org.springframework.transaction.support.TransactionSynchronization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Charges through the payment gateway and refunds by policy, by hand or by dispute. No money moves without a
 * record written first (DESIGN invariant 11): a purchase attempt or a refund is recorded and committed before
 * the gateway is called with its own idempotency key, outside any transaction, and the outcome is recorded
 * after; {@link #reconcilePending()} finishes what a crash or a lost answer left pending.
 */
@Service
public class Billing {

	/** Attempts of one purchase charge when the gateway gives no answer (shared/API.md). */
	static final int PURCHASE_ATTEMPTS = 5;

	private static final String CHARGE_COLUMNS = """
			id, account_id, subscription_id, amount, currency, status, period_start, period_end, created_at,
			refunded_amount, payment_method_id, seq""";

	private static final String QUALIFIED_CHARGE_COLUMNS = CHARGE_COLUMNS.replaceAll("(\\w+)", "c.$1");

	private static final String INSERT_CHARGE = """
			INSERT INTO charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
			                     payment_method_id, gateway_key, failure_code, created_at, origin)
			VALUES (:id, :account, :subscription, :amount, :currency, :status, :start, :end, :pm, :key, :failure, :at, :origin)
			""";

	/** A refund: the charge's refunded amount and status, and the PENDING refund, in one statement. */
	private static final String REFUND_CHARGE = """
			WITH charge AS (
			    UPDATE charges SET refunded_amount = :refunded, status = :chargeStatus WHERE id = :charge RETURNING id)
			INSERT INTO refunds (id, charge_id, account_id, amount, currency, status, reason, payment_method_id, created_at)
			SELECT :id, charge.id, :account, :amount, :currency, 'PENDING', :reason, :pm, :at FROM charge
			RETURNING (SELECT p.gateway_token FROM payment_methods p WHERE p.id = refunds.payment_method_id)
			""";

	/**
	 * The transaction resource under which {@link #recordRefund} lists the refunds to settle after commit, with the
	 * gateway token each goes back to: settling them needs no read.
	 */
	private static final Object RECORDED_REFUNDS = new Object();

	private static final Logger log = LoggerFactory.getLogger(Billing.class);

	/** How long after its void an attempt is first looked up again ({@link #recheckLater}). */
	private static final Duration FIRST_VOID_RECHECK = Duration.ofMinutes(1);

	/** The first wait before the sweep tries again a record it left open ({@link #retryAfter}). */
	static final Duration FIRST_RETRY = Duration.ofMinutes(1);

	/** The longest wait between two tries of a record the sweep left open ({@link #retryAfter}). */
	static final Duration LONGEST_RETRY = Duration.ofDays(1);

	/**
	 * How long the sweep waits before it tries again a record it has left open {@code failedTries} times (the gateway
	 * declined it, gave no answer, or its reconciliation threw): 1, 2, 4, 8 minutes and so on, at most a day. The
	 * records the gateway keeps refusing then take a place in a run's batch less and less often, and never hold back the
	 * records after them; each is still tried at least once a day.
	 */
	static Duration retryAfter(int failedTries) {
		if (failedTries < 1) {
			throw new IllegalArgumentException("A record waits only after a try that left it open: " + failedTries);
		}
		// 2^11 minutes is more than a day: no doubling past that
		Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(failedTries - 1, 11));
		return wait.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : wait;
	}

	/**
	 * The longest wait of a record the gateway did not refuse (no answer, or its reconciliation threw): after an outage
	 * of the gateway, the refunds and reversals it held back go out within the hour of its return, not a day after.
	 */
	static final Duration LONGEST_RETRY_UNREFUSED = Duration.ofHours(1);

	/** {@link #retryAfter(int)}, at most {@link #LONGEST_RETRY_UNREFUSED} for a record the gateway did not decline. */
	static Duration retryAfter(int failedTries, boolean declined) {
		Duration wait = retryAfter(failedTries);
		return declined || wait.compareTo(LONGEST_RETRY_UNREFUSED) <= 0 ? wait : LONGEST_RETRY_UNREFUSED;
	}

	private final JdbcClient jdbc;
	private final javax.sql.DataSource dataSource;
	private final Clock clock;
	private final PaymentGateway gateway;
	private final Accounts accounts;
	private final TransactionTemplate tx;
	private final CrashAfterGateway crash;
	private final Duration pendingGrace;

	/**
	 * How long after the sweep voided an attempt (its key unknown to the gateway) it looks the key up again, in case a
	 * payment on its way lands under it later ({@link #recheckVoided}).
	 */
	private final Duration voidRecheck;

	/** How many records of each kind (refunds, purchase attempts) one sweep reads at most. */
	private final int reconcileBatch;
	private final io.micrometer.core.instrument.MeterRegistry meters;
	private final ApplicationEventPublisher events;
	/** Settles the refunds recorded inside a caller's own transaction, once it has committed. */
	private final ExecutorService settler = Executors.newFixedThreadPool(2,
			Thread.ofPlatform().name("refund-settler-", 0).daemon().factory());

	Billing(JdbcClient jdbc, javax.sql.DataSource dataSource, Clock clock, PaymentGateway gateway, Accounts accounts,
			PlatformTransactionManager txManager, CrashAfterGateway crash,
			@Value("${subdesk.billing.pending-grace:PT1M}") Duration pendingGrace,
			@Value("${subdesk.billing.void-recheck:P1D}") Duration voidRecheck,
			@Value("${subdesk.billing.reconcile-batch:1000}") int reconcileBatch,
			io.micrometer.core.instrument.MeterRegistry meters, ApplicationEventPublisher events) {
		this.events = events;
		this.meters = meters;
		declinedGauge(meters, "refund", declinedRefundsNow);
		declinedGauge(meters, "reversal", declinedReversalsNow);
		io.micrometer.core.instrument.Gauge.builder("subdesk.reconciliation.failed", failedNow,
				java.util.concurrent.atomic.AtomicLong::get)
			.description("Open money records whose last reconciliation threw (an adapter's bug, a database error): "
					+ "tried again after a wait")
			.register(meters);
		this.tx = new TransactionTemplate(txManager);
		this.crash = crash;
		this.pendingGrace = pendingGrace;
		this.voidRecheck = voidRecheck;
		if (reconcileBatch < 1) {
			throw new IllegalArgumentException("subdesk.billing.reconcile-batch must be at least 1");
		}
		this.reconcileBatch = reconcileBatch;
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.clock = clock;
		this.gateway = gateway;
		this.accounts = accounts;
	}

	private static void declinedGauge(io.micrometer.core.instrument.MeterRegistry meters, String kind,
			java.util.concurrent.atomic.AtomicLong declined) {
		io.micrometer.core.instrument.Gauge.builder("subdesk.reconciliation.declined", declined,
				java.util.concurrent.atomic.AtomicLong::get)
			.description("Refunds (kind=refund) or reversals of unrecorded payments (kind=reversal) still open whose last "
					+ "try the gateway declined: asked again after a wait of up to a day, they need a person")
			.tag("kind", kind)
			.register(meters);
	}

	/**
	 * Charges a purchase: records the attempt (PENDING, with its gateway key) and commits it, then calls the
	 * gateway, retrying at once with the same key while it gives no answer, up to five attempts. A declined
	 * attempt is recorded as such; a paid one stays PENDING until {@link #recordSuccessfulCharge} completes it
	 * with the subscription, or until the sweep gives the money back ({@link #reconcilePending()}). Must run
	 * outside any database transaction.
	 */
	public PaymentOutcome chargePurchase(String accountId, String subscriptionId, PaymentMethod method, Money amount,
			String gatewayKey) {
		requireNoTransaction();
		// A PENDING attempt is left alone by the sweep for its grace (subdesk.billing.pending-grace). A purchase that
		// outlasts it (a slow gateway, a test clock moved meanwhile) may find its attempt voided: a payment that lands
		// then is recorded all the same (recordSuccessfulCharge completes a VOID attempt), and one whose purchase
		// gave up is found by the sweep's look-ups again (recheckVoided) and given back. No connection is held across
		// the gateway call (a lock held there pinned one pooled connection per purchase while the gateway needed
		// another: a burst of checkouts emptied the pool).
		jdbc.sql("""
				INSERT INTO purchase_attempts (gateway_key, account_id, subscription_id, payment_method_id, amount, currency,
				                               status, created_at)
				VALUES (:key, :account, :subscription, :pm, :amount, :currency, 'PENDING', :at)
				""")
			.param("key", gatewayKey)
			.param("account", accountId)
			.param("subscription", subscriptionId)
			.param("pm", method.id())
			.param("amount", amount.amount())
			.param("currency", amount.currency())
			.param("at", Timestamp.from(clock.instant()))
			.update();
		@Nullable RuntimeException thrown = null;
		for (int attempt = 1; attempt <= PURCHASE_ATTEMPTS; attempt++) {
			PaymentResult result;
			try {
				result = gateway.charge(method.gatewayToken(), amount, gatewayKey);
			}
			catch (RuntimeException e) {
				// the adapter failed (its bug, an answer it could not read): the charge may or may not have happened,
				// as with no answer. Asked again with the same key; the attempt stays PENDING for the sweep.
				thrown = e;
				result = new PaymentResult.Unknown(e.getClass().getName());
			}
			crash.reached("purchase");
			switch (result) {
				case PaymentResult.Succeeded s -> {
					return new PaymentOutcome.Paid(gatewayKey);
				}
				case PaymentResult.Declined d -> {
					settleAttempt(gatewayKey, "PENDING", "DECLINED");
					return new PaymentOutcome.Declined(d.code());
				}
				case PaymentResult.Unknown u -> {
					// try again with the same key: the gateway never charges one key twice
				}
			}
		}
		// No answer: the customer is told nothing was charged; if the gateway took the money after all, the sweep
		// gives it back.
		if (thrown != null) {
			log.warn("The gateway's adapter threw on purchase {} ({}: {}); answered as no answer, the sweep settles it",
					gatewayKey, thrown.getClass().getName(), thrown.getMessage());
		}
		return new PaymentOutcome.Unavailable();
	}

	/**
	 * Gives back money the gateway took for a purchase that could not be recorded, and marks its attempt REVERSED.
	 * A reversal the gateway does not answer stays REVERSING; the sweep repeats it with the same key.
	 */
	public void reverseUnrecordedPayment(PaymentMethod method, Money amount, String gatewayKey) {
		requireNoTransaction();
		// Only an attempt that is not recorded: a COMPLETED one has its SUCCEEDED charge (the transaction that recorded
		// it committed though its caller saw an error, a connection lost at COMMIT), and giving its money back would
		// leave a charge that a refund pays back a second time. REVERSING: the sweep took it; the same key repeats it.
		int reversing = jdbc.sql("""
				UPDATE purchase_attempts SET status = 'REVERSING', recheck_at = NULL,
				  last_try = CASE WHEN status = 'REVERSING' THEN last_try END
				WHERE gateway_key = :key AND status IN ('PENDING', 'VOID', 'REVERSING')
				""")
			.param("key", gatewayKey)
			.update();
		if (reversing == 0) {
			log.warn("Purchase {} is not given back: its attempt is recorded (COMPLETED) or was given back already",
					gatewayKey);
			return;
		}
		reverseAttempt(method.gatewayToken(), amount, gatewayKey);
	}

	/**
	 * Gives back the money of an attempt marked REVERSING, for a request that could not record it: whatever the gateway
	 * answers (or its adapter throws), the attempt stays REVERSING unless the money went back, and the sweep repeats it.
	 */
	private boolean reverseAttempt(String token, Money amount, String gatewayKey) {
		requireNoTransaction();
		PaymentResult result;
		try {
			result = reverse(token, amount, gatewayKey);
		}
		catch (RuntimeException e) {
			log.warn("The reversal of purchase {} failed in the gateway's adapter ({}: {}); the sweep repeats it",
					gatewayKey, e.getClass().getName(), e.getMessage());
			return false;
		}
		switch (result) {
			case PaymentResult.Succeeded s -> {
				return true;
			}
			case PaymentResult.Declined d -> log.warn("The gateway declined the reversal of purchase {} ({}); it stays "
					+ "REVERSING, and the sweep asks again and counts it (subdesk.reconciliation.declined)", gatewayKey,
					d.code());
			case PaymentResult.Unknown u ->
				log.warn("The reversal of purchase {} got no answer from the gateway; the sweep repeats it", gatewayKey);
		}
		return false;
	}

	/** Asks the gateway to give back an attempt's money, and marks it REVERSED when it did; the gateway's answer. */
	private PaymentResult reverse(String token, Money amount, String gatewayKey) {
		requireNoTransaction();
		PaymentResult result = gateway.refund(token, amount, "reverse_" + gatewayKey);
		if (result instanceof PaymentResult.Succeeded) {
			settleAttempt(gatewayKey, "REVERSING", "REVERSED");
		}
		return result;
	}

	/**
	 * The sweep's move of a PENDING attempt, unless it was taken up again since the sweep read it (a renewal repeats
	 * an unanswered key with a new {@code created_at}): the sweep's reading of the ledger is then out of date.
	 */
	private boolean settleStaleAttempt(String gatewayKey, String to, Timestamp before) {
		return jdbc.sql("""
				UPDATE purchase_attempts SET status = :to, settled_at = :at, last_try = NULL,
				  recheck_at = CASE WHEN :to = 'VOID' THEN CAST(:recheckAt AS timestamptz) END
				WHERE gateway_key = :key AND status = 'PENDING' AND created_at < :before
				""")
			.param("to", to)
			.param("at", Timestamp.from(clock.instant()))
			.param("recheckAt", Timestamp.from(clock.instant().plus(FIRST_VOID_RECHECK)))
			.param("key", gatewayKey)
			.param("before", before)
			.update() == 1;
	}

	private boolean settleAttempt(String gatewayKey, String from, String to) {
		return settleAttempt(jdbc, gatewayKey, from, to);
	}

	private boolean settleAttempt(JdbcClient on, String gatewayKey, String from, String to) {
		return on.sql("""
				UPDATE purchase_attempts SET status = :to, settled_at = :at, last_try = NULL,
				  recheck_at = CASE WHEN :to = 'VOID' THEN CAST(:recheckAt AS timestamptz) END
				WHERE gateway_key = :key AND status = :from""")
			.param("to", to)
			.param("at", Timestamp.from(clock.instant()))
			.param("recheckAt", Timestamp.from(clock.instant().plus(FIRST_VOID_RECHECK)))
			.param("key", gatewayKey)
			.param("from", from)
			.update() == 1;
	}

	/**
	 * Gives back a renewal payment that could not be recorded (its subscription ended or moved on while the gateway
	 * had it), and marks its attempt REVERSED; one the gateway does not answer stays REVERSING for the sweep.
	 */
	public void reverseUnrecordedPayment(String token, Money amount, String gatewayKey) {
		requireNoTransaction();
		// Only an attempt that is not recorded, as for a purchase: its callers pass keys they marked REVERSING, and a
		// COMPLETED one has its charge recorded (giving its money back would leave a charge that a refund pays back a
		// second time); a DECLINED or REVERSED one has nothing to give back.
		int reversing = jdbc.sql("""
				UPDATE purchase_attempts SET status = 'REVERSING', recheck_at = NULL,
				  last_try = CASE WHEN status = 'REVERSING' THEN last_try END
				WHERE gateway_key = :key AND status IN ('PENDING', 'VOID', 'REVERSING')""")
			.param("key", gatewayKey)
			.update();
		if (reversing == 0) {
			log.warn("Renewal payment {} is not given back: its attempt is recorded, declined or was given back already",
					gatewayKey);
			return;
		}
		reverseAttempt(token, amount, gatewayKey);
	}

	/** Whether a successful charge is recorded for this subscription's period starting at {@code periodStart}. */
	@Transactional(readOnly = true)
	public boolean hasSuccessfulCharge(String subscriptionId, Instant periodStart) {
		return jdbc.sql("""
				SELECT EXISTS (SELECT 1 FROM charges WHERE subscription_id = :sub AND period_start = :start AND status <> 'FAILED')
				""").param("sub", subscriptionId).param("start", Timestamp.from(periodStart)).query(Boolean.class).single();
	}

	/**
	 * Whether the charge for this subscription's period starting at {@code periodStart} has been refunded in full: then
	 * nothing of that period is paid for any more. False when there is none (a trial, a failed renewal) or it was
	 * refunded in part.
	 */
	@Transactional(readOnly = true)
	public boolean periodRefunded(String subscriptionId, Instant periodStart) {
		return jdbc.sql("""
				SELECT EXISTS (SELECT 1 FROM charges WHERE subscription_id = :sub AND period_start = :start AND status = 'REFUNDED')
				""").param("sub", subscriptionId).param("start", Timestamp.from(periodStart)).query(Boolean.class).single();
	}

	/**
	 * As {@link #periodRefunded}, for many subscriptions in one query: by subscription id, the starts of its periods
	 * whose charge has been refunded in full (none: not in the map).
	 */
	@Transactional(readOnly = true)
	public Map<String, Set<Instant>> refundedPeriodStarts(Collection<String> subscriptionIds) {
		if (subscriptionIds.isEmpty()) {
			return Map.of();
		}
		Map<String, Set<Instant>> starts = new HashMap<>();
		jdbc.sql("SELECT subscription_id, period_start FROM charges WHERE subscription_id = ANY(:subs::text[]) AND status = 'REFUNDED'")
			.param("subs", subscriptionIds.toArray(String[]::new))
			.query((rs, row) -> starts.computeIfAbsent(rs.getString("subscription_id"), id -> new HashSet<>())
				.add(rs.getTimestamp("period_start").toInstant()))
			.list();
		return starts;
	}

	/**
	 * Whether the successful charge recorded for this subscription's period starting at {@code periodStart} is the
	 * payment taken under {@code gatewayKey}: a charge recorded otherwise for the period (an import, another attempt)
	 * pays for it, and then the payment under the key is one too many.
	 */
	@Transactional(readOnly = true)
	public boolean recordsPayment(String subscriptionId, Instant periodStart, String gatewayKey) {
		return jdbc.sql("""
				SELECT EXISTS (SELECT 1 FROM charges WHERE subscription_id = :sub AND period_start = :start
				               AND status <> 'FAILED' AND gateway_key = :key)
				""").param("sub", subscriptionId).param("start", Timestamp.from(periodStart)).param("key", gatewayKey)
			.query(Boolean.class).single();
	}

	/** Records a successful charge for one period; the database refuses a second one for the same period. */
	@Transactional(propagation = Propagation.MANDATORY)
	public Charge recordSuccessfulCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, Instant at) {
		return recordSuccessfulCharge(accountId, subscriptionId, amount, periodStart, periodEnd, paymentMethodId,
				gatewayKey, at, at);
	}

	/**
	 * As {@link #recordSuccessfulCharge(String, String, Money, Instant, Instant, String, String, Instant)}, for a charge
	 * made at {@code chargedAt} (a purchase's acceptance, when its money was asked for) whose attempt settles at
	 * {@code settledAt} (the gateway's answer, up to its calls' time later).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Charge recordSuccessfulCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, Instant chargedAt, Instant settledAt) {
		Instant at = settledAt;
		// PENDING, or VOID: the sweep looked the key up before its payment reached the gateway and found nothing, and
		// the gateway's answer to the request, that it took the money, is the later word (as for a renewal,
		// completeRenewalAttempts): the purchase is recorded rather than failed and its money given back
		Optional<Money> attempted = jdbc.sql("""
				UPDATE purchase_attempts SET status = 'COMPLETED', settled_at = :at, recheck_at = NULL
				WHERE gateway_key = :key AND status IN ('PENDING', 'VOID')
				RETURNING amount, currency
				""").param("at", Timestamp.from(at)).param("key", gatewayKey)
			.query((rs, n) -> Money.of(rs.getLong("amount"), rs.getString("currency")))
			.optional();
		if (attempted.isEmpty()) {
			// The sweep found the money taken and is giving it back (REVERSING): nothing is created.
			throw new SubdeskException(BillingErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
					"The payment could not be confirmed in time; nothing was charged or created. Please try again.");
		}
		if (!attempted.get().equals(amount)) {
			// a charge records what the gateway was asked to take under its key, never another amount: a refund of it
			// would give back more (or less) than was taken. The caller's transaction rolls back (the attempt stays
			// unrecorded) and the caller gives the money back.
			log.error("Purchase {} took {} {} and was about to be recorded as {} {}: nothing is recorded", gatewayKey,
					attempted.get().amount(), attempted.get().currency(), amount.amount(), amount.currency());
			throw new SubdeskException(BillingErrorCode.PAYMENT_GATEWAY_UNAVAILABLE,
					"The payment could not be confirmed; nothing was charged or created. Please try again.");
		}
		return insertCharge(accountId, subscriptionId, amount, Charge.Status.SUCCEEDED, periodStart, periodEnd,
				paymentMethodId, gatewayKey, null, chargedAt, "PURCHASE");
	}

	/** Records a declined renewal attempt. */
	@Transactional(propagation = Propagation.MANDATORY)
	public Charge recordFailedCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, String failureCode, Instant at) {
		return insertCharge(accountId, subscriptionId, amount, Charge.Status.FAILED, periodStart, periodEnd,
				paymentMethodId, gatewayKey + "#" + Ids.next("try"), failureCode, at, "RENEWAL");
	}

	private Charge insertCharge(String accountId, String subscriptionId, Money amount, Charge.Status status,
			Instant periodStart, Instant periodEnd, String paymentMethodId, String gatewayKey, @Nullable String failure,
			Instant at, String origin) {
		String id = Ids.next("ch");
		jdbc.sql(INSERT_CHARGE)
			.param("id", id)
			.param("account", accountId)
			.param("subscription", subscriptionId)
			.param("amount", amount.amount())
			.param("currency", amount.currency())
			.param("status", status.name())
			.param("start", Timestamp.from(periodStart))
			.param("end", Timestamp.from(periodEnd))
			.param("pm", paymentMethodId)
			.param("key", gatewayKey)
			.param("failure", failure)
			.param("at", Timestamp.from(at))
			.param("origin", origin)
			.update();
		Charge charge = charge(id).orElseThrow();
		events.publishEvent(new DomainChange(
				status == Charge.Status.FAILED ? EventType.CHARGE_FAILED : EventType.CHARGE_SUCCEEDED, charge));
		return charge;
	}

	/** A successful renewal charge to record. */
	public record NewCharge(String accountId, String subscriptionId, Money amount, Instant periodStart,
			Instant periodEnd, String paymentMethodId, String gatewayKey, Instant at) {
	}

	/**
	 * Records successful renewal charges with one COPY. The caller records only charges of subscriptions it has
	 * just moved to the charged period in the same transaction, so the database's one-success-per-period index
	 * (invariant 2) never fires here; if it ever did, the whole batch would roll back and repeat with the same
	 * gateway keys. Returns the id of each charge by subscription id.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public java.util.Map<String, String> recordSuccessfulCharges(List<NewCharge> charges) {
		java.util.Map<String, String> recorded = new java.util.HashMap<>(charges.size() * 2);
		List<Charge> succeeded = new ArrayList<>(charges.size());
		BulkCopy copy = new BulkCopy(12);
		for (NewCharge c : charges) {
			String id = Ids.next("ch");
			recorded.put(c.subscriptionId(), id);
			succeeded.add(new Charge(id, c.accountId(), c.subscriptionId(), c.amount().amount(), c.amount().currency(),
					Charge.Status.SUCCEEDED, c.periodStart(), c.periodEnd(), c.at(), 0, c.paymentMethodId(), 0));
			copy.row()
				.text(id)
				.text(c.accountId())
				.text(c.subscriptionId())
				.int8(c.amount().amount())
				.text(c.amount().currency())
				.text("SUCCEEDED")
				.timestamptz(c.periodStart())
				.timestamptz(c.periodEnd())
				.text(c.paymentMethodId())
				.text(c.gatewayKey())
				.timestamptz(c.at())
				.text("RENEWAL");
		}
		copy.into(dataSource, """
				charges (id, account_id, subscription_id, amount, currency, status, period_start, period_end,
				         payment_method_id, gateway_key, created_at, origin)""");
		events.publishEvent(DomainChange.batch(EventType.CHARGE_SUCCEEDED, succeeded));
		return recorded;
	}

	/**
	 * Charges renewals through the gateway in one batch, outside any transaction. Each attempt has its own
	 * gateway idempotency key, so a repeated attempt (after a crash or a lost answer) never charges twice.
	 */
	public List<PaymentResult> chargeRenewals(List<PaymentGateway.ChargeRequest> requests) {
		requireNoTransaction();
		return gateway.chargeAll(requests);
	}

	/**
	 * A renewal charge about to be asked of the gateway, recorded first ({@link #recordRenewalAttempts}): the attempt's
	 * own key (per subscription, period and attempt number) and the card and amount the subscription would pay now.
	 */
	public record RenewalAttempt(String gatewayKey, String accountId, String subscriptionId, String paymentMethodId,
			String gatewayToken, Money amount) {
	}

	/**
	 * What to ask of the gateway for one attempt: the key in use and the card and amount that key was first sent with,
	 * for a key is only ever sent with those. {@code paid}: the gateway's ledger already holds this key's payment (its
	 * card was replaced or removed since its answer was lost, so it was looked up, not sent again): only to be recorded.
	 */
	public record RenewalCharge(String gatewayKey, String paymentMethodId, String gatewayToken, Money amount,
			boolean paid) {
	}

	/** The attempts, new keys only: one statement, the renewal engine's only one before the gateway call. */
	private static final String INSERT_RENEWAL_ATTEMPTS = """
			INSERT INTO purchase_attempts (gateway_key, account_id, subscription_id, payment_method_id, amount, currency,
			                               status, created_at)
			SELECT k, a, s, p, m, c, 'PENDING', :at
			FROM unnest(:keys::text[], :accounts::text[], :subscriptions::text[], :methods::text[], :amounts::bigint[],
			            :currencies::text[]) AS v(k, a, s, p, m, c)
			ON CONFLICT (gateway_key) DO NOTHING
			RETURNING gateway_key
			""";

	/**
	 * The key in use of each attempt recorded before, as it stands: its first key, or the last of its follow-ups
	 * ({@code <key>_r<n>}, n counted on the first key), with the card (removed or not) and amount it was sent with.
	 */
	private static final String ATTEMPTS_IN_USE = """
			SELECT b.gateway_key AS first_key, b.follow_ups, c.status, c.payment_method_id, c.amount, c.currency,
			       c.created_at, p.gateway_token
			FROM purchase_attempts b
			LEFT JOIN purchase_attempts c
			       ON c.gateway_key = CASE b.follow_ups WHEN 0 THEN b.gateway_key ELSE b.gateway_key || '_r' || b.follow_ups END
			LEFT JOIN payment_methods p ON p.id = c.payment_method_id
			WHERE b.gateway_key = ANY(:keys::text[])
			""";

	/**
	 * Records renewal charges PENDING before the gateway is asked, as a purchase's attempt is: committed at once, so
	 * that money the gateway takes is never without a record. Returns, by subscription id, what to ask of the gateway;
	 * an attempt missing from it is not charged this run. A new key is charged with the subscription's card and price.
	 * A key recorded before ({@link #takeUpAgain}) is sent again only with the card and amount it was first sent with:
	 * its answer was lost (PENDING), or it took nothing (VOID, DECLINED) and the card and amount are the same. One whose
	 * card the subscription no longer uses is first settled by the gateway's ledger: recorded if it took the money,
	 * else settled and followed by the next key. One whose money went back, is going back or is recorded is followed by
	 * the next key. A PENDING one the engine does not complete is the sweep's after the grace ({@link
	 * #reconcilePending()}): given back if the gateway took it.
	 */
	public java.util.Map<String, RenewalCharge> recordRenewalAttempts(List<RenewalAttempt> attempts) {
		requireNoTransaction();
		java.util.Map<String, RenewalCharge> charges = new java.util.HashMap<>(attempts.size() * 2);
		if (attempts.isEmpty()) {
			return charges;
		}
		java.util.Set<String> inserted = insertRenewalAttempts(attempts);
		List<RenewalAttempt> recordedBefore = new ArrayList<>();
		for (RenewalAttempt a : attempts) {
			if (inserted.contains(a.gatewayKey())) {
				charges.put(a.subscriptionId(), new RenewalCharge(a.gatewayKey(), a.paymentMethodId(), a.gatewayToken(),
						a.amount(), false));
			}
			else {
				recordedBefore.add(a);
			}
		}
		if (!recordedBefore.isEmpty()) {
			takeUpAgain(recordedBefore, charges);
		}
		return charges;
	}

	private java.util.Set<String> insertRenewalAttempts(List<RenewalAttempt> attempts) {
		return new java.util.HashSet<>(jdbc.sql(INSERT_RENEWAL_ATTEMPTS)
			.param("keys", attempts.stream().map(RenewalAttempt::gatewayKey).toArray(String[]::new))
			.param("accounts", attempts.stream().map(RenewalAttempt::accountId).toArray(String[]::new))
			.param("subscriptions", attempts.stream().map(RenewalAttempt::subscriptionId).toArray(String[]::new))
			.param("methods", attempts.stream().map(RenewalAttempt::paymentMethodId).toArray(String[]::new))
			.param("amounts", attempts.stream().map(a -> a.amount().amount()).toArray(Long[]::new))
			.param("currencies", attempts.stream().map(a -> a.amount().currency()).toArray(String[]::new))
			.param("at", Timestamp.from(clock.instant()))
			.query(String.class)
			.list());
	}

	/** The key in use of an attempt recorded before; {@code status} null when that follow-up is not recorded yet. */
	private record InUse(int followUps, @Nullable String status, @Nullable String paymentMethodId, @Nullable Money amount,
			@Nullable String gatewayToken, @Nullable Instant sentAt) {

		String key(String firstKey) {
			return followUps == 0 ? firstKey : firstKey + "_r" + followUps;
		}
	}

	/**
	 * The rare path of {@link #recordRenewalAttempts}: attempts whose first key is recorded already (a lost answer, a
	 * key the sweep settled, a crash). Each caller holds the renewal claim of its subscriptions, so nothing else sends
	 * their keys meanwhile.
	 */
	private void takeUpAgain(List<RenewalAttempt> attempts, java.util.Map<String, RenewalCharge> charges) {
		java.util.Map<String, InUse> inUse = new java.util.HashMap<>();
		jdbc.sql(ATTEMPTS_IN_USE)
			.param("keys", attempts.stream().map(RenewalAttempt::gatewayKey).toArray(String[]::new))
			.query((rs, n) -> inUse.put(rs.getString("first_key"), new InUse(rs.getInt("follow_ups"), rs.getString("status"),
					rs.getString("payment_method_id"),
					rs.getString("currency") == null ? null : Money.of(rs.getLong("amount"), rs.getString("currency")),
					rs.getString("gateway_token"),
					rs.getTimestamp("created_at") == null ? null : rs.getTimestamp("created_at").toInstant())))
			.list();
		java.util.Map<String, RenewalCharge> again = new java.util.LinkedHashMap<>();
		java.util.Map<String, String> subscriptionOf = new java.util.HashMap<>();
		List<RenewalAttempt> followedUp = new ArrayList<>();
		List<Integer> followUps = new ArrayList<>();
		List<RenewalAttempt> unrecordedFollowUps = new ArrayList<>();
		for (RenewalAttempt a : attempts) {
			InUse current = inUse.get(a.gatewayKey());
			if (current == null) {
				continue; // purged meanwhile: recorded anew at the next run
			}
			String key = current.key(a.gatewayKey());
			String status = current.status();
			if (status == null) {
				unrecordedFollowUps.add(withKey(a, key)); // the follow-up was counted but not recorded (a crash)
				continue;
			}
			String method = java.util.Objects.requireNonNull(current.paymentMethodId());
			Money amount = java.util.Objects.requireNonNull(current.amount());
			String token = java.util.Objects.requireNonNull(current.gatewayToken());
			boolean sameCard = method.equals(a.paymentMethodId());
			subscriptionOf.put(key, a.subscriptionId());
			// whether the key in use is done with and the next one follows it
			boolean followUp = switch (status) {
				case "PENDING" -> {
					if (sameCard) {
						// its answer was lost: repeated as it was first sent
						again.put(key, new RenewalCharge(key, method, token, amount, false));
						yield false;
					}
					Instant sentAt = current.sentAt();
					if (sentAt == null || sentAt.isAfter(clock.instant().minus(pendingGrace))) {
						// sent with the card replaced less than the sweep's grace ago: its payment may still be on its
						// way to the gateway, so a look-up finding nothing proves nothing yet; left for a later run
						yield false;
					}
					yield switch (settleByLedger(key)) {
						case PAID -> {
							again.put(key, new RenewalCharge(key, method, token, amount, true));
							yield false;
						}
						case NOTHING_TAKEN -> true;
						case UNSETTLED -> false; // it moved meanwhile: left for the next run
					};
				}
				case "VOID", "DECLINED" -> {
					// it took nothing: sent again only as it was first sent
					if (sameCard && amount.equals(a.amount())) {
						again.put(key, new RenewalCharge(key, method, token, amount, false));
						yield false;
					}
					yield true;
				}
				default -> true; // COMPLETED, REVERSING, REVERSED: never sent again
			};
			if (followUp) {
				followedUp.add(a);
				followUps.add(current.followUps());
			}
		}
		if (!again.isEmpty()) {
			Collection<String> takenUp = jdbc.sql("""
					UPDATE purchase_attempts SET status = 'PENDING', created_at = :at, settled_at = NULL, next_try_at = NULL,
					  failed_tries = 0, last_try = NULL
					WHERE gateway_key = ANY(:keys::text[]) AND status IN ('PENDING', 'VOID', 'DECLINED')
					RETURNING gateway_key
					""")
				.param("at", Timestamp.from(clock.instant()))
				.param("keys", again.keySet().toArray(String[]::new))
				.query(String.class)
				.list();
			for (String key : takenUp) {
				charges.put(subscriptionOf.get(key), again.get(key));
			}
		}
		List<RenewalAttempt> next = new ArrayList<>(unrecordedFollowUps);
		if (!followedUp.isEmpty()) {
			// the first key counts its follow-ups, so the next one's name comes from what is recorded
			java.util.Set<String> counted = new java.util.HashSet<>(jdbc.sql("""
					UPDATE purchase_attempts b SET follow_ups = b.follow_ups + 1
					FROM unnest(:keys::text[], :counts::int[]) AS v(k, n)
					WHERE b.gateway_key = v.k AND b.follow_ups = v.n
					RETURNING b.gateway_key || '_r' || b.follow_ups
					""")
				.param("keys", followedUp.stream().map(RenewalAttempt::gatewayKey).toArray(String[]::new))
				.param("counts", followUps.toArray(Integer[]::new))
				.query(String.class)
				.list());
			for (int i = 0; i < followedUp.size(); i++) {
				RenewalAttempt a = followedUp.get(i);
				String key = a.gatewayKey() + "_r" + (followUps.get(i) + 1);
				if (counted.contains(key)) {
					next.add(withKey(a, key));
				}
			}
		}
		if (!next.isEmpty()) {
			java.util.Set<String> inserted = insertRenewalAttempts(next);
			for (RenewalAttempt a : next) {
				if (inserted.contains(a.gatewayKey())) {
					charges.put(a.subscriptionId(), new RenewalCharge(a.gatewayKey(), a.paymentMethodId(),
							a.gatewayToken(), a.amount(), false));
				}
			}
		}
	}

	private static RenewalAttempt withKey(RenewalAttempt a, String key) {
		return new RenewalAttempt(key, a.accountId(), a.subscriptionId(), a.paymentMethodId(), a.gatewayToken(), a.amount());
	}

	private enum Settled {
		PAID, NOTHING_TAKEN, UNSETTLED
	}

	/**
	 * Settles a PENDING renewal key by the gateway's ledger, without sending it: its subscription now pays with another
	 * card, and a key is never sent with a card it was not first sent with. The caller holds the subscription's renewal
	 * claim, so the sweep and other runs leave the key alone meanwhile.
	 */
	private Settled settleByLedger(String key) {
		requireNoTransaction();
		Optional<PaymentResult> ledger = gateway.lookup(key);
		if (ledger.isPresent() && ledger.get() instanceof PaymentResult.Succeeded) {
			return Settled.PAID;
		}
		return settleAttempt(key, "PENDING", ledger.isPresent() ? "DECLINED" : "VOID") ? Settled.NOTHING_TAKEN
				: Settled.UNSETTLED;
	}

	/**
	 * Completes the renewal attempts of charges about to be recorded, in their transaction; returns the keys completed.
	 * {@code amounts}: the amount each charge is about to be recorded with, by its key. PENDING ones, and VOID ones:
	 * the sweep looked such a key up before its payment reached the gateway, and the gateway's answer to the engine is
	 * the later word; each only when it was sent with that very amount (a charge records what its key took, in the same
	 * statement: no read of its own). A key not among them is being given back (REVERSING, REVERSED), was judged
	 * declined, or took another amount: its charge must not be recorded ({@link #markUncompletedForReversal}).
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public java.util.Set<String> completeRenewalAttempts(Map<String, Money> amounts) {
		if (amounts.isEmpty()) {
			return java.util.Set.of();
		}
		List<String> keys = new ArrayList<>(amounts.keySet());
		java.util.Set<String> completed = new java.util.HashSet<>(jdbc.sql("""
				UPDATE purchase_attempts a SET status = 'COMPLETED', settled_at = :at, recheck_at = NULL
				FROM unnest(:keys::text[], :amounts::bigint[], :currencies::text[]) AS v(k, m, c)
				WHERE a.gateway_key = v.k AND a.status IN ('PENDING', 'VOID') AND a.amount = v.m AND a.currency = v.c
				RETURNING a.gateway_key
				""")
			.param("at", Timestamp.from(clock.instant()))
			.param("keys", keys.toArray(String[]::new))
			.param("amounts", keys.stream().map(k -> amounts.get(k).amount()).toArray(Long[]::new))
			.param("currencies", keys.stream().map(k -> amounts.get(k).currency()).toArray(String[]::new))
			.query(String.class)
			.list());
		if (completed.size() < keys.size()) {
			log.warn("{} of {} renewal attempts were not completed (given back by the sweep, or sent with another amount)",
					keys.size() - completed.size(), keys.size());
		}
		return completed;
	}

	/**
	 * Renewal payments the gateway answered as taken under keys {@link #completeRenewalAttempts} could not complete:
	 * each not already given back is marked REVERSING in the caller's transaction, and the keys returned, for the caller
	 * to give the money back after the commit ({@link #reverseUnrecordedPayment(String, Money, String)}); the sweep does
	 * if the server stops first. Money taken is never left without a record that gives it back. A PENDING or VOID one
	 * took another amount than its charge was to record (a mismatch no charge may carry): it goes back too.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public java.util.Set<String> markUncompletedForReversal(java.util.Collection<String> keys) {
		return new java.util.HashSet<>(jdbc.sql("""
				UPDATE purchase_attempts SET status = 'REVERSING', settled_at = NULL, recheck_at = NULL,
				  last_try = CASE WHEN status = 'REVERSING' THEN last_try END
				WHERE gateway_key = ANY(:keys::text[]) AND status IN ('PENDING', 'VOID', 'DECLINED', 'REVERSING')
				RETURNING gateway_key
				""")
			.param("keys", keys.toArray(String[]::new))
			.query(String.class)
			.list());
	}

	/**
	 * A completed renewal attempt whose payment cannot be recorded (its subscription moved on meanwhile), marked
	 * REVERSING in the transaction that finds it so: {@link #reverseUnrecordedPayment(String, Money, String)} gives the
	 * money back after the commit, and the sweep does if the server stops first.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public void markForReversal(String gatewayKey) {
		settleAttempt(gatewayKey, "COMPLETED", "REVERSING");
	}

	/** A renewal attempt the gateway declined, in the transaction that records the decline. */
	@Transactional(propagation = Propagation.MANDATORY)
	public void declineRenewalAttempt(String gatewayKey) {
		settleAttempt(gatewayKey, "PENDING", "DECLINED");
	}

	@Transactional(readOnly = true)
	public Optional<Charge> charge(String id) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + " FROM charges WHERE id = :id")
			.param("id", id)
			.query(Billing::mapCharge)
			.optional();
	}

	/** The latest successful charge of a subscription: the one the money-back window counts from. */
	@Transactional(readOnly = true)
	public Optional<Charge> latestSuccessfulCharge(String subscriptionId) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE subscription_id = :sub AND status <> 'FAILED'
				ORDER BY created_at DESC, seq DESC LIMIT 1
				""").param("sub", subscriptionId).query(Billing::mapCharge).optional();
	}

	/** Successful charges of a subscription for periods starting at or after {@code from}. */
	@Transactional(readOnly = true)
	public List<Charge> successfulChargesFrom(String subscriptionId, Instant from) {
		return jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE subscription_id = :sub AND status <> 'FAILED' AND period_start >= :from
				ORDER BY created_at, seq
				""").param("sub", subscriptionId).param("from", Timestamp.from(from)).query(Billing::mapCharge).list();
	}

	@Transactional(readOnly = true)
	public Page<Charge> charges(String accountId, Page.Request request) {
		List<Charge> rows = jdbc.sql("SELECT " + CHARGE_COLUMNS + """
				 FROM charges WHERE account_id = :account AND (created_at, seq) < (:afterAt, :afterSeq)
				ORDER BY created_at DESC, seq DESC LIMIT :limit
				""")
			.param("account", accountId)
			.param("afterAt", Timestamp.from(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(Billing::mapCharge)
			.list();
		return Page.of(rows, request.limit(), c -> new Page.Cursor(c.createdAt(), c.seq()));
	}

	/**
	 * Refunds part or all of a charge to its own payment method, with a REFUND_ISSUED notice: records the refund,
	 * commits, asks the gateway to pay it back and records that it did ({@link #recordRefund}). Must run outside
	 * any database transaction; returns the refund as it stands then ({@code SUCCEEDED}, or {@code PENDING} when
	 * the gateway gave no answer: the sweep finishes it).
	 *
	 * @param amount the amount in the charge's minor unit; null means what is left
	 * @throws SubdeskException {@code 409 CHARGE_NOT_REFUNDABLE} for a failed charge,
	 *         {@code 409 REFUND_EXCEEDS_CHARGE} for more than what is left
	 */
	public Refund refund(String chargeId, @Nullable Long amount, String reason) {
		return recordThenSettle(() -> recordRefund(chargeId, amount, reason, clock.instant()),
				(recorded, settled) -> settled.containsKey(recorded.id()) ? settled.get(recorded.id())
						: refundById(recorded.id()).orElseThrow());
	}

	/**
	 * Refunds what is left of a charge, as {@link #refund} with no amount, or nothing when nothing is left once the
	 * charge is locked (another refund, a sweep on another node, took the rest meanwhile): for the callers that refund
	 * "what is left", for which nothing left is no error.
	 */
	public Optional<Refund> refundRemaining(String chargeId, String reason) {
		return recordThenSettle(() -> recordRefundOfRemaining(chargeId, reason, clock.instant()),
				(recorded, settled) -> recorded.map(r -> settled.containsKey(r.id()) ? settled.get(r.id())
						: refundById(r.id()).orElseThrow()));
	}

	/**
	 * As {@link #recordRefund(String, Long, String, Instant)} of what is left, or nothing when nothing is left once the
	 * charge is locked.
	 *
	 * @throws SubdeskException {@code 409 CHARGE_NOT_REFUNDABLE} for a failed charge
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Optional<Refund> recordRefundOfRemaining(String chargeId, String reason, Instant at) {
		LockedCharge charge = lockCharge("c.id = :key", chargeId)
			.orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
		if (charge.charge().successful() && !charge.charge().remaining().positive()) {
			return Optional.empty();
		}
		return Optional.of(recordRefund(charge, accounts.get(charge.charge().accountId()), null, reason, at));
	}

	/**
	 * Refunds in full what is left of each successful charge of a subscription for a period starting at or after
	 * {@code from} ({@link #successfulChargesFrom}), each charge locked first ({@link #recordRefundOfRemaining}: one a
	 * refund took whole meanwhile is skipped), in a transaction of {@link #recordThenSettle}, which pays them back
	 * once it has committed. The refunds recorded, PENDING.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public List<Refund> recordRefundsOfRemainingFrom(String subscriptionId, Instant from, String reason, Instant at) {
		return successfulChargesFrom(subscriptionId, from).stream()
			.filter(charge -> charge.remaining().positive())
			.flatMap(charge -> recordRefundOfRemaining(charge.id(), reason, at).stream())
			.toList();
	}

	/**
	 * Runs {@code work} in one database transaction and, once it has committed, settles every refund it recorded
	 * with {@link #recordRefund}: the gateway is asked outside any transaction, with each refund's id as its
	 * idempotency key, and each refund it pays is marked SUCCEEDED. Called inside the transaction of another
	 * {@code recordThenSettle} (an agent's action with its audit entry), the work joins it and that one settles, with
	 * the work that goes with the last settlement (see below). Called inside any other transaction (a
	 * public form records its request with the cancellation it makes), the work joins it and its refunds are
	 * settled on another thread as soon as that transaction has committed. The work's result is returned as it
	 * was at commit: read refunds again ({@link #refundById}) to see them settled.
	 */
	public <T> T recordThenSettle(Supplier<T> work) {
		return recordThenSettle(work, (result, settled) -> result);
	}

	/**
	 * As {@link #recordThenSettle(Supplier)}, then {@code settledNow} gets the result with the refunds this call paid
	 * back, by id, as they now stand (SUCCEEDED): no need to read them again. A refund not in the map was not settled
	 * here (the gateway did not answer, or the work joined another transaction and settles after it): read it.
	 */
	public <T> T recordThenSettle(Supplier<T> work, BiFunction<T, Map<String, Refund>, T> settledNow) {
		return recordThenSettle(work, settledNow, null);
	}

	/**
	 * As {@link #recordThenSettle(Supplier, BiFunction)}, and {@code withLastSettlement} runs inside the transaction
	 * that marks the last of the recorded refunds paid, with every refund this call paid back so far, that one
	 * included: work that belongs with the money having moved (a receipt signed with the refunds SUCCEEDED) commits
	 * with it, at no commit of its own. It does not run when that refund was not settled here.
	 */
	public <T> T recordThenSettle(Supplier<T> work, BiFunction<T, Map<String, Refund>, T> settledNow,
			@Nullable BiConsumer<T, Map<String, Refund>> withLastSettlement) {
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			Recording outer = (Recording) TransactionSynchronizationManager.getResource(RECORDED_REFUNDS);
			if (outer == null) {
				outer = settleAfterCommit();
			}
			T result = work.get();
			if (withLastSettlement != null) {
				// the transaction joined settles this work's refunds with its own: what belongs with them goes along
				outer.withLast().add(paid -> withLastSettlement.accept(result, paid));
			}
			return settledNow.apply(result, Map.of());
		}
		Recording recorded = new Recording(new ArrayList<>(), new ArrayList<>());
		T result = tx.execute(status -> {
			TransactionSynchronizationManager.bindResource(RECORDED_REFUNDS, recorded);
			try {
				return work.get();
			}
			finally {
				TransactionSynchronizationManager.unbindResource(RECORDED_REFUNDS);
			}
		});
		if (withLastSettlement != null) {
			recorded.withLast().addFirst(paid -> withLastSettlement.accept(result, paid));
		}
		Map<String, Refund> settled;
		try {
			settled = settlePending(recorded.refunds(), recorded.withLast());
		}
		catch (RuntimeException e) {
			// The refunds are recorded and committed: whatever failed after (the database, the gateway's client) leaves
			// them PENDING for the sweep, and the answer says so. An error here would tell a client that retries with
			// its Idempotency-Key that nothing happened, and the retry would refund again.
			log.warn("Refunds {} are recorded; settling them failed, the sweep finishes them",
					recorded.refunds().stream().map(r -> r.refund().id()).toList(), e);
			settled = Map.of();
		}
		return settledNow.apply(result, settled);
	}

	private Recording settleAfterCommit() {
		Recording recorded = new Recording(new ArrayList<>(), new ArrayList<>());
		TransactionSynchronizationManager.bindResource(RECORDED_REFUNDS, recorded);
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCompletion(int status) {
				TransactionSynchronizationManager.unbindResourceIfPossible(RECORDED_REFUNDS);
				if (status == STATUS_COMMITTED && !recorded.refunds().isEmpty()) {
					List<PendingRefund> pending = List.copyOf(recorded.refunds());
					List<Consumer<Map<String, Refund>>> withLast = List.copyOf(recorded.withLast());
					settler.execute(() -> {
						try {
							settlePending(pending, withLast);
						}
						catch (RuntimeException e) {
							log.warn("Refunds {} are left to the sweep",
									pending.stream().map(r -> r.refund().id()).toList(), e);
						}
					});
				}
			}
		});
		return recorded;
	}

	@PreDestroy
	void stopSettling() {
		settler.shutdown();
	}

	/**
	 * Records a refund of part or all of a charge as PENDING and publishes {@link RefundIssued}, whose listener stores
	 * the REFUND_ISSUED notice (one per refund, with the record so that it survives whatever happens next, closure
	 * included), stamped {@code at}.
	 * Runs in a transaction of {@link #recordThenSettle}, which pays it back once that transaction has committed.
	 *
	 * @param amount the amount in the charge's minor unit; null means what is left
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Refund recordRefund(String chargeId, @Nullable Long amount, String reason, Instant at) {
		LockedCharge charge = lockCharge("c.id = :key", chargeId)
			.orElseThrow(() -> SubdeskException.notFound("Charge", chargeId));
		return recordRefund(charge, accounts.get(charge.charge().accountId()), amount, reason, at);
	}

	/**
	 * The latest successful charge of a subscription (the one the money-back window counts from), locked for the
	 * rest of the transaction so that it can be refunded ({@link #recordRefund(LockedCharge, Account, Long, String,
	 * Instant)}) without being read again.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Optional<LockedCharge> lockLatestSuccessfulCharge(String subscriptionId) {
		return lockCharge("""
				c.id = (SELECT id FROM charges WHERE subscription_id = :key AND status <> 'FAILED'
				        ORDER BY created_at DESC, seq DESC LIMIT 1)""", subscriptionId);
	}

	/** One charge, locked, with the card that paid it (removed cards included: the refund goes back to it). */
	private Optional<LockedCharge> lockCharge(String which, String key) {
		return jdbc.sql("SELECT " + QUALIFIED_CHARGE_COLUMNS + """
				, p.brand, p.last4 FROM charges c LEFT JOIN payment_methods p ON p.id = c.payment_method_id
				WHERE\s""" + which + " FOR UPDATE OF c")
			.param("key", key)
			.query((rs, n) -> new LockedCharge(mapCharge(rs, n), rs.getString("brand"), rs.getString("last4")))
			.optional();
	}

	/**
	 * As {@link #recordRefund(String, Long, String, Instant)}, for a charge this transaction has locked and its
	 * account's holder as the caller already read it (the notice goes to them): the charge's row is updated and the
	 * refund written in one statement.
	 */
	@Transactional(propagation = Propagation.MANDATORY)
	public Refund recordRefund(LockedCharge locked, Account holder, @Nullable Long amount, String reason, Instant at) {
		@SuppressWarnings("unchecked")
		Recording recording = (Recording) TransactionSynchronizationManager.getResource(RECORDED_REFUNDS);
		if (recording == null) {
			throw new IllegalStateException("Refunds are recorded in a transaction of Billing.recordThenSettle");
		}
		Charge charge = locked.charge();
		if (!holder.id().equals(charge.accountId())) {
			throw new IllegalArgumentException(holder.id() + " does not hold charge " + charge.id());
		}
		if (!charge.successful()) {
			throw SubdeskException.of(BillingErrorCode.CHARGE_NOT_REFUNDABLE, "A failed charge moved no money to refund");
		}
		long left = charge.remaining().amount();
		long value = amount == null ? left : amount;
		if (value > left || value <= 0) {
			throw SubdeskException.of(BillingErrorCode.REFUND_EXCEEDS_CHARGE,
					"Only %d of this charge is left to refund".formatted(left));
		}
		long refunded = charge.refundedAmount() + value;
		String id = Ids.next("re");
		List<String> token = jdbc.sql(REFUND_CHARGE)
			.param("refunded", refunded)
			.param("chargeStatus", refunded == charge.amount() ? "REFUNDED" : "PARTIALLY_REFUNDED")
			.param("charge", charge.id())
			.param("id", id)
			.param("account", charge.accountId())
			.param("amount", value)
			.param("currency", charge.currency())
			.param("reason", reason)
			.param("pm", charge.paymentMethodId())
			.param("at", Timestamp.from(at))
			.query((rs, n) -> rs.getString(1))
			.list();
		events.publishEvent(new RefundIssued(id, charge.id(), charge.accountId(), Money.of(value, charge.currency()),
				reason, at, holder.email(), holder.country(), java.util.Objects.requireNonNull(locked.cardBrand()),
				java.util.Objects.requireNonNull(locked.cardLast4())));
		// refund.issued is recorded when the refund is paid back ({@link #markRefunded}), with it SUCCEEDED
		Refund refund = new Refund(id, charge.id(), value, charge.currency(), "PENDING", reason, at);
		recording.refunds().add(new PendingRefund(refund, token.isEmpty() ? null : token.getFirst()));
		return refund;
	}

	/** A refund still PENDING, with the gateway token of the card it goes back to. */
	private Optional<PendingRefund> pendingRefund(String id) {
		return jdbc.sql("""
				SELECT r.id, r.charge_id, r.amount, r.currency, r.status, r.reason, r.created_at, p.gateway_token
				FROM refunds r JOIN payment_methods p ON p.id = r.payment_method_id
				WHERE r.id = :id AND r.status = 'PENDING'
				""").param("id", id)
			.query((rs, n) -> new PendingRefund(mapRefund(rs, n), rs.getString("gateway_token")))
			.optional();
	}

	/**
	 * Asks the gateway to pay back each refund known to be PENDING (recorded by a transaction that has just committed;
	 * its id is the idempotency key, so asking twice never pays twice, and paying one that something else settled
	 * meanwhile pays nothing twice: the gateway's key and {@link #markRefunded} see to that) and marks each one it paid
	 * SUCCEEDED; one the gateway did not answer or declined stays PENDING for the sweep. Runs outside any transaction.
	 * The refunds it settled, by id, as they now stand.
	 */
	private Map<String, Refund> settlePending(List<PendingRefund> refunds, List<Consumer<Map<String, Refund>>> withLast) {
		requireNoTransaction();
		Map<String, Refund> settled = new LinkedHashMap<>();
		int left = refunds.size();
		for (PendingRefund pending : refunds) {
			String id = pending.refund().id();
			Consumer<Refund> inItsTransaction = --left > 0 || withLast.isEmpty() ? null : refund -> {
				Map<String, Refund> all = new LinkedHashMap<>(settled);
				all.put(id, refund);
				Map<String, Refund> paid = java.util.Collections.unmodifiableMap(all);
				withLast.forEach(hook -> hook.accept(paid));
			};
			settleRefund(pending, inItsTransaction).ifPresent(refund -> settled.put(id, refund));
		}
		return settled;
	}

	/**
	 * Settles one refund: the refund SUCCEEDED when this call paid it back. {@code inItsTransaction} gets it in the
	 * transaction that marks it so.
	 */
	private Optional<Refund> settleRefund(PendingRefund pending, @Nullable Consumer<Refund> inItsTransaction) {
		Refund refund = pending.refund();
		String id = refund.id();
		String token = pending.token();
		if (token == null) {
			return Optional.empty(); // no card to pay it back to (as the read finds no such PENDING refund)
		}
		PaymentResult result = askRefund(refund, token);
		if (result instanceof PaymentResult.Succeeded) {
			// only the status changes: the rest of the row is as read above
			Refund paid = refund.succeeded();
			return markRefunded(id, inItsTransaction == null ? null : () -> inItsTransaction.accept(paid))
					? Optional.of(paid) : Optional.empty();
		}
		if (result instanceof PaymentResult.Declined d) {
			log.warn("The gateway declined refund {} ({}); it stays PENDING, and the sweep asks again and counts it "
					+ "(subdesk.reconciliation.declined)", id, d.code());
			return Optional.empty();
		}
		log.warn("Refund {} got no answer from the gateway in {} attempts ({}); the sweep finishes it", id,
				PURCHASE_ATTEMPTS, result);
		return Optional.empty();
	}

	/** Asks the gateway to pay a refund back: its answer. */
	private PaymentResult askRefund(Refund refund, String token) {
		// as for a purchase: asked again at once with the same key while the gateway gives no answer, up to five
		// times (the key never lets it pay twice), so that a passing glitch does not leave the refund to the sweep
		PaymentResult result = gateway.refund(token, Money.of(refund.amount(), refund.currency()), refund.id());
		for (int attempt = 2; attempt <= PURCHASE_ATTEMPTS && result instanceof PaymentResult.Unknown; attempt++) {
			result = gateway.refund(token, Money.of(refund.amount(), refund.currency()), refund.id());
		}
		crash.reached("refund");
		return result;
	}

	private record PendingRefund(Refund refund, @Nullable String token) {
	}

	/**
	 * What a transaction of {@link #recordThenSettle} has to do once it has committed: the refunds it recorded, and
	 * the work of each {@code recordThenSettle} it ran that goes with the last of them paid.
	 */
	private record Recording(List<PendingRefund> refunds, List<Consumer<Map<String, Refund>>> withLast) {
	}

	/**
	 * Marks a refund paid, once, and records {@code refund.issued} in the same transaction, the refund SUCCEEDED in
	 * it as the API shows it from then on (recorded with the PENDING refund, the event said PENDING for good: no
	 * later event tells a receiver it was paid). Only the node whose update moves it from PENDING counts it in
	 * {@code subdesk.refunds} and {@code subdesk.refunds.amount} (minor units), by currency.
	 */
	private boolean markRefunded(String id) {
		return markRefunded(id, null);
	}

	/**
	 * As {@link #markRefunded(String)}; {@code alsoThen} runs in its transaction once this node marked it paid, with no
	 * savepoint (two round trips a refund): if it fails before writing (signing a receipt), the refund is marked paid
	 * all the same; if a statement of it fails, the transaction is lost with it and the refund stays PENDING, for the
	 * sweep to find paid at the gateway and mark ({@link #reconcilePending}).
	 */
	private boolean markRefunded(String id, @Nullable Runnable alsoThen) {
		Optional<RefundOfSubscription> paid;
		try {
			paid = markRefundedWith(id, alsoThen);
		}
		catch (AlongsideFailed e) {
			log.warn("Refund {} was paid back but the work with its mark failed in the database; the sweep marks it",
					id, e.getCause());
			return false;
		}
		if (paid == null || paid.isEmpty()) {
			return false;
		}
		countRefund(Money.of(paid.get().refund().amount(), paid.get().refund().currency()));
		return true;
	}

	/** A statement of the work run with a refund's mark failed: the transaction cannot commit. */
	private static final class AlongsideFailed extends RuntimeException {

		AlongsideFailed(DataAccessException cause) {
			super(cause);
		}
	}

	private @Nullable Optional<RefundOfSubscription> markRefundedWith(String id, @Nullable Runnable alsoThen) {
		return tx.execute(status -> {
			Optional<RefundOfSubscription> settled = jdbc.sql("""
					UPDATE refunds r SET status = 'SUCCEEDED', settled_at = :at FROM charges c
					WHERE r.id = :id AND r.status = 'PENDING' AND c.id = r.charge_id
					RETURNING r.id, r.charge_id, r.amount, r.currency, r.status, r.reason, r.created_at, c.subscription_id,
					    c.account_id
					""")
				.param("at", Timestamp.from(clock.instant()))
				.param("id", id)
				.query((rs, n) -> new RefundOfSubscription(mapRefund(rs, n), rs.getString("subscription_id"),
						rs.getString("account_id")))
				.optional();
			settled.ifPresent(refund -> {
				events.publishEvent(new DomainChange(EventType.REFUND_ISSUED, refund));
				if (alsoThen == null) {
					return;
				}
				try {
					alsoThen.run();
				}
				catch (DataAccessException e) {
					throw new AlongsideFailed(e);
				}
				catch (RuntimeException e) {
					log.warn("Work after refund {} was paid back failed; it is left for later", id, e);
				}
			});
			return settled;
		});
	}

	private void countRefund(Money paid) {
		io.micrometer.core.instrument.Counter.builder("subdesk.refunds")
			.description("Refunds paid back (settled with the gateway), by currency")
			.tag("currency", paid.currency())
			.register(meters)
			.increment();
		io.micrometer.core.instrument.Counter.builder("subdesk.refunds.amount")
			.description("Money paid back in refunds, in minor units of the currency")
			.tag("currency", paid.currency())
			.register(meters)
			.increment(paid.amount());
	}

	/**
	 * What one sweep of pending money records did. {@code refundsDeclined}, {@code reversalsDeclined}: records whose
	 * refund or reversal the gateway declined (they stay open and are asked again); {@code failed}: records whose
	 * reconciliation threw (an adapter's bug, a database error), left for the next run.
	 */
	public record Reconciliation(int refundsSettled, int refundsLeftPending, int purchasesReversed,
			int purchasesVoided, int refundsDeclined, int reversalsDeclined, int failed) {
	}

	/**
	 * Why a try of the sweep left a record open, kept with it ({@code last_try}) until its next try: the gauges count the
	 * open records by it, whether or not the last run met them.
	 */
	private enum LeftOpen {
		/** The gateway declined the refund or reversal: a person has to act ({@code subdesk.reconciliation.declined}). */
		DECLINED,
		/**
		 * Its reconciliation threw: an adapter's bug, a database error ({@code subdesk.reconciliation.failed}); on a
		 * VOID attempt, its last look-up again threw (cleared by one that works).
		 */
		FAILED,
		/** No answer from the gateway, or no card to pay it back to. */
		UNSETTLED
	}

	/** The gauges of the records the sweep left open, as they stand ({@link #publishOpenRecords}). */
	private static final String OPEN_RECORDS = """
			SELECT (SELECT count(*) FROM refunds WHERE status = 'PENDING' AND last_try = 'DECLINED'),
			       (SELECT count(*) FROM purchase_attempts WHERE status = 'REVERSING' AND last_try = 'DECLINED'),
			       (SELECT count(*) FROM refunds WHERE status = 'PENDING' AND last_try = 'FAILED')
			       + (SELECT count(*) FROM purchase_attempts WHERE status IN ('PENDING', 'REVERSING') AND last_try = 'FAILED')
			       + (SELECT count(*) FROM purchase_attempts
			          WHERE recheck_at IS NOT NULL AND status = 'VOID' AND last_try = 'FAILED')
			""";

	/** What one sweep meets besides its settlements: records that failed, refunds and reversals declined. */
	private final class Sweep {

		int failed;

		/** Attempts read (met, or left to a renewal run that holds them). */
		int read;

		int reversed;

		int voided;
		final java.util.Set<String> declinedRefunds = new java.util.HashSet<>();
		final java.util.Set<String> declinedReversals = new java.util.HashSet<>();

		/**
		 * A record whose reconciliation threw: logged with its id and the exception's class and message (no stack: an
		 * adapter's bug would log one every run), and left for the next run; the sweep goes on with the next record.
		 */
		void failed(String what, String id, RuntimeException e) {
			failed++;
			log.warn("The sweep could not reconcile {} {} ({}: {}); it goes on and tries it again after a wait", what, id,
					e.getClass().getName(), e.getMessage());
		}

		void declined(String what, String id, String code, java.util.Set<String> into) {
			into.add(id);
			Instant now = clock.instant();
			Instant last = declineWarned.get(id);
			if (last == null || !now.isBefore(last.plus(Duration.ofDays(1)))) {
				declineWarned.put(id, now);
				log.warn("The gateway declines the {} {} ({}); it stays open and is asked again after a wait that grows to "
						+ "a day: it needs a person (warned once a day; subdesk.reconciliation.declined counts them)", what,
						id, code);
			}
		}

		/**
		 * Publishes the open records' counts and forgets the warnings more than a day old (they no longer hold back
		 * the next one): a record declined again is warned then, as it would be.
		 */
		void done() {
			Instant now = clock.instant();
			declineWarned.values().removeIf(at -> !now.isBefore(at.plus(Duration.ofDays(1))));
			publishOpenRecords();
		}
	}

	/**
	 * Sets the gauges from the records as they stand: each record the sweep left open waits for its next try, so a run
	 * meets only those due, and a count of what one run met would drop to nothing between their tries.
	 */
	private void publishOpenRecords() {
		try {
			jdbc.sql(OPEN_RECORDS).query(rs -> {
				declinedRefundsNow.set(rs.getLong(1));
				declinedReversalsNow.set(rs.getLong(2));
				failedNow.set(rs.getLong(3));
			});
		}
		catch (DataAccessException e) {
			log.warn("The sweep could not count the records it left open ({}); the gauges keep their last values",
					e.getMessage());
		}
	}

	/** Records that the sweep's try left a PENDING refund open, and when it is due again ({@link #retryAfter}). */
	private void leftOpen(DueRefund refund, LeftOpen why) {
		putOff("""
				UPDATE refunds SET failed_tries = :tries, next_try_at = :next, last_try = :why
				WHERE id = :id AND status = 'PENDING' AND failed_tries = :read""", refund.id(), refund.failedTries(), why);
	}

	/** As {@link #leftOpen(DueRefund, LeftOpen)}, for an open (PENDING or REVERSING) purchase attempt. */
	private void leftOpen(OpenAttempt attempt, LeftOpen why) {
		putOff("""
				UPDATE purchase_attempts SET failed_tries = :tries, next_try_at = :next, last_try = :why
				WHERE gateway_key = :id AND status IN ('PENDING', 'REVERSING') AND failed_tries = :read""", attempt.key(),
				attempt.failedTries(), why);
	}

	/**
	 * Puts a record's next try off by its wait; a record settled meanwhile is left as it is, and so is one whose tries
	 * changed since the sweep read it ({@code :read}): a renewal that took the attempt up again after the sweep let go
	 * of its claim reset them, and its charge is not to wait the backoff of the tries before it. A failure here is
	 * logged and the sweep goes on: the record is then due again next run, as before its try.
	 */
	private void putOff(String update, String id, int failedTries, LeftOpen why) {
		int tries = Math.min(failedTries, 1_000_000) + 1;
		try {
			jdbc.sql(update)
				.param("tries", tries)
				.param("next", Timestamp.from(clock.instant().plus(retryAfter(tries, why == LeftOpen.DECLINED))))
				.param("why", why.name())
				.param("id", id)
				.param("read", failedTries)
				.update();
		}
		catch (DataAccessException e) {
			log.warn("The sweep could not put off its next try of {} ({}); it is due again next run", id, e.getMessage());
		}
	}

	/** A PENDING refund due to be tried, with how many tries of the sweep left it open so far. */
	private record DueRefund(String id, int failedTries) {
	}

	/** When each record the gateway declines was last logged (at most once a day each). */
	private final Map<String, Instant> declineWarned = new java.util.concurrent.ConcurrentHashMap<>();

	private final java.util.concurrent.atomic.AtomicLong declinedRefundsNow = new java.util.concurrent.atomic.AtomicLong();

	private final java.util.concurrent.atomic.AtomicLong declinedReversalsNow = new java.util.concurrent.atomic.AtomicLong();

	private final java.util.concurrent.atomic.AtomicLong failedNow = new java.util.concurrent.atomic.AtomicLong();

	/**
	 * The sweep of DESIGN invariant 11: reconciles the records left pending (older than the grace period, so as
	 * not to race a request still under way) with the gateway's ledger. A PENDING refund the ledger holds is
	 * marked SUCCEEDED; one it does not hold is asked again with the same key. A purchase attempt left PENDING
	 * (the server died after the gateway call, or the gateway answered too late) created no subscription and the
	 * customer was told nothing was charged, or got no answer: money the ledger shows taken is given back
	 * (REVERSED); an attempt the ledger does not know took nothing (VOID). A renewal attempt whose subscription a
	 * renewal run still holds is left to that run, however old its record ({@link #renewalClaims}): untouched (no try
	 * counted, not put off: due again as soon as the run lets go), and in no place of the batch: the sweep reads on
	 * past it. Each record is reconciled on its own: one whose gateway call or settlement throws is logged and left
	 * open, and the sweep goes on with the next. A record a try leaves open (declined, unanswered, or it threw) waits
	 * before its next try, 1, 2, 4 minutes and so on up to a day ({@link #retryAfter}); the sweep reads the records
	 * due, by when they are due, at most {@code subdesk.billing.reconcile-batch} of each kind: records that keep
	 * failing cannot fill every run's batch and hold back the records after them. A refund or reversal the gateway
	 * declines stays open; it is logged once a day and counted in {@code subdesk.reconciliation.declined} while it is
	 * open, for a person to act on. Runs outside any transaction; never stops early ({@link #reconcilePending(
	 * java.util.function.BooleanSupplier)}).
	 */
	public Reconciliation reconcilePending() {
		return reconcilePending(() -> false);
	}

	/**
	 * As {@link #reconcilePending()}, as a job of a run that the node's stop cuts short: once {@code stopping} answers
	 * true (the node has begun to stop), the sweep takes up no further record. The one in hand ends (its gateway call
	 * answered and its outcome recorded: each record is settled on its own, in statements of its own, so none is left
	 * half done), and the rest stays due, untouched, for the next run on any node.
	 */
	public Reconciliation reconcilePending(java.util.function.BooleanSupplier stopping) {
		requireNoTransaction();
		Instant now = clock.instant();
		Timestamp before = Timestamp.from(now.minus(pendingGrace));
		// due: past its next try, or never tried and past the grace (its next try is then its creation)
		List<DueRefund> refunds = jdbc.sql("""
				SELECT id, failed_tries FROM refunds
				WHERE status = 'PENDING' AND coalesce(next_try_at, created_at) <= :now AND created_at < :before
				ORDER BY coalesce(next_try_at, created_at) LIMIT :batch
				""").param("now", Timestamp.from(now)).param("before", before).param("batch", reconcileBatch)
			.query((rs, n) -> new DueRefund(rs.getString(1), rs.getInt(2)))
			.list();
		Sweep sweep = new Sweep();
		int settled = 0;
		int triedRefunds = 0;
		boolean stopped = false;
		for (DueRefund refund : refunds) {
			if (stopping.getAsBoolean()) {
				stopped = true;
				break;
			}
			triedRefunds++;
			try {
				if (sweepRefund(refund, sweep)) {
					settled++;
				}
			}
			catch (RuntimeException e) {
				sweep.failed("refund", refund.id(), e);
				leftOpen(refund, LeftOpen.FAILED);
			}
		}
		if (!stopped) {
			try (RenewalClaims claims = renewalClaims()) {
				stopped = !meetDue(after -> dueAttempts(now, before, after), reconcileBatch, stopping, sweep,
						attempt -> sweepAttempt(attempt, claims, before, sweep));
			}
		}
		if (!stopped) {
			Instant recheckNow = clock.instant();
			try (RenewalClaims claims = renewalClaims()) {
				stopped = !meetDue(after -> recentlyVoided(recheckNow, after), VOID_RECHECK_BATCH, stopping, sweep,
						attempt -> recheckVoided(attempt, claims, sweep));
			}
		}
		sweep.done();
		Reconciliation done = new Reconciliation(settled, triedRefunds - settled, sweep.reversed, sweep.voided,
				sweep.declinedRefunds.size(), sweep.declinedReversals.size(), sweep.failed);
		if (triedRefunds > 0 || sweep.read > 0) {
			log.info("Pending money records reconciled with the gateway: {}", done);
		}
		if (stopped) {
			log.info("The node is stopping: the sweep of pending money records took up no further record; the rest "
					+ "stays due for the next run, on any node");
		}
		return done;
	}

	/** How many voided attempts one sweep looks up again at most. */
	private static final int VOID_RECHECK_BATCH = 1000;

	/**
	 * Meets the attempts due, page by page in the order they are due, until {@code batch} of them were met (not left
	 * to a renewal run that holds them: {@code meet} answers false for those), none is left, or the node begins to
	 * stop. An attempt a renewal run holds takes no place in the batch: however many are held, the attempts after
	 * them are reached in the same run (a run holds at most its workers' batches at a time). Whether it went to the
	 * end (false: stopped).
	 */
	private boolean meetDue(java.util.function.Function<After, List<OpenAttempt>> page, int batch,
			java.util.function.BooleanSupplier stopping, Sweep sweep, java.util.function.Predicate<OpenAttempt> meet) {
		int met = 0;
		After after = After.START;
		while (true) {
			List<OpenAttempt> due = page.apply(after);
			for (OpenAttempt attempt : due) {
				if (met == batch) {
					return true;
				}
				if (stopping.getAsBoolean()) {
					return false;
				}
				after = attempt.after();
				sweep.read++;
				if (meet.test(attempt)) {
					met++;
				}
			}
			if (met == batch || due.size() < batch) {
				return true;
			}
		}
	}

	/**
	 * The open attempts due (PENDING past the grace, REVERSING), by when they are due, after {@code after} in that
	 * order (a page of the sweep's read, {@link #meetDue}).
	 */
	private List<OpenAttempt> dueAttempts(Instant now, Timestamp before, After after) {
		return jdbc.sql("""
				SELECT a.gateway_key, a.status, a.amount, a.currency, p.gateway_token, a.subscription_id, a.failed_tries,
				       coalesce(a.next_try_at, a.created_at)
				FROM purchase_attempts a JOIN payment_methods p ON p.id = a.payment_method_id
				WHERE a.status IN ('PENDING', 'REVERSING') AND coalesce(a.next_try_at, a.created_at) <= :now
				  AND a.created_at < :before
				  AND coalesce(a.next_try_at, a.created_at) >= CAST(:afterAt AS timestamptz)
				  AND (coalesce(a.next_try_at, a.created_at), a.gateway_key)
				      > (CAST(:afterAt AS timestamptz), CAST(:afterKey AS text))
				ORDER BY coalesce(a.next_try_at, a.created_at), a.gateway_key LIMIT :batch
				""").param("now", Timestamp.from(now)).param("before", before).param("batch", reconcileBatch)
			.param("afterAt", after.at()).param("afterKey", after.key())
			.query(Billing::mapOpenAttempt)
			.list();
	}

	/**
	 * The sweep's try of one open attempt; false when a renewal run holds it (left to the run, untouched), true when
	 * the sweep met it (settled, left open for its next try, or failed).
	 */
	private boolean sweepAttempt(OpenAttempt attempt, RenewalClaims claims, Timestamp before, Sweep sweep) {
		try {
			if (attempt.status().equals("PENDING")) {
				// a renewal run that still holds the attempt's subscription may not have sent it yet, however old its
				// record: what the ledger says now is no judgement of it, and the run records the outcome
				if (!claims.tryHold(attempt.subscriptionId())) {
					return false;
				}
				try {
					Optional<PaymentResult> ledger = gateway.lookup(attempt.key());
					if (ledger.isEmpty()) {
						sweep.voided += settleStaleAttempt(attempt.key(), "VOID", before) ? 1 : 0;
						return true;
					}
					if (ledger.get() instanceof PaymentResult.Declined) {
						settleStaleAttempt(attempt.key(), "DECLINED", before);
						return true;
					}
					if (!settleStaleAttempt(attempt.key(), "REVERSING", before)) {
						return true; // completed by its request meanwhile, or a renewal took it up again
					}
				}
				finally {
					claims.release(attempt.subscriptionId());
				}
			}
			sweep.reversed += sweepReversal(attempt, sweep) ? 1 : 0;
		}
		catch (RuntimeException e) {
			sweep.failed("purchase attempt", attempt.key(), e);
			leftOpen(attempt, LeftOpen.FAILED);
		}
		return true;
	}

	/**
	 * The voided attempts due to be looked up again (a payment on its way to the gateway may still land under them):
	 * along a partial index of those with a {@code recheck_at}, soonest first, so the newest voids (the likeliest to
	 * see a late payment) are not held back by older ones; after {@code after} in that order ({@link #meetDue}).
	 */
	private List<OpenAttempt> recentlyVoided(Instant now, After after) {
		return jdbc.sql("""
				SELECT a.gateway_key, a.status, a.amount, a.currency, p.gateway_token, a.subscription_id, a.failed_tries,
				       a.recheck_at
				FROM purchase_attempts a JOIN payment_methods p ON p.id = a.payment_method_id
				WHERE a.recheck_at IS NOT NULL AND a.recheck_at <= :now AND a.status = 'VOID'
				  AND a.recheck_at >= CAST(:afterAt AS timestamptz)
				  AND (a.recheck_at, a.gateway_key) > (CAST(:afterAt AS timestamptz), CAST(:afterKey AS text))
				ORDER BY a.recheck_at, a.gateway_key LIMIT :batch
				""").param("now", Timestamp.from(now)).param("batch", VOID_RECHECK_BATCH)
			.param("afterAt", after.at()).param("afterKey", after.key())
			.query(Billing::mapOpenAttempt)
			.list();
	}

	private static OpenAttempt mapOpenAttempt(ResultSet rs, int row) throws SQLException {
		return new OpenAttempt(rs.getString(1), rs.getString(2), Money.of(rs.getLong(3), rs.getString(4)), rs.getString(5),
				rs.getString(6), rs.getInt(7), new After(rs.getTimestamp(8), rs.getString(1)));
	}

	/**
	 * Looks a recently voided attempt up again: a void is a look-up that found nothing, and a payment still on its way
	 * (a gateway call the request gave up on, answered by the gateway after the look-up) can land under its key later.
	 * Money the ledger now shows taken under a key nobody recorded is given back (REVERSING, then REVERSED); a decline
	 * is recorded as such. A key a renewal run holds is left to it, as a PENDING one is (it may send the key again, and
	 * records what it took): false then. A purchase that gets the gateway's answer itself records its charge
	 * ({@link #recordSuccessfulCharge}) unless this sweep marked the key for reversal first. A look-up that throws is
	 * counted with the records that failed ({@code last_try} FAILED, {@code subdesk.reconciliation.failed}) until a
	 * look-up of it works.
	 */
	private boolean recheckVoided(OpenAttempt attempt, RenewalClaims claims, Sweep sweep) {
		try {
			if (!claims.tryHold(attempt.subscriptionId())) {
				return false;
			}
			try {
				Optional<PaymentResult> ledger = gateway.lookup(attempt.key());
				if (ledger.isEmpty()) {
					recheckLater(attempt.key());
					return true;
				}
				if (ledger.get() instanceof PaymentResult.Declined) {
					settleAttempt(attempt.key(), "VOID", "DECLINED");
					return true;
				}
				if (!settleAttempt(attempt.key(), "VOID", "REVERSING")) {
					return true; // recorded by its request or taken up again by a renewal meanwhile
				}
			}
			finally {
				claims.release(attempt.subscriptionId());
			}
			log.warn("Purchase attempt {} was voided, and the gateway took its payment later; giving it back",
					attempt.key());
			sweep.reversed += sweepReversal(attempt, sweep) ? 1 : 0;
		}
		catch (RuntimeException e) {
			sweep.failed("voided purchase attempt", attempt.key(), e);
			// a reversal under way waits as any open record; one still VOID has its look-up put off as a look-up
			// that found nothing would (never again every run: the rechecks after it are not held back), and is
			// counted as failed meanwhile
			leftOpen(attempt, LeftOpen.FAILED);
			recheckLaterAfterAFailure(attempt.key());
		}
		return true;
	}

	/**
	 * The sweep's settlement of one PENDING refund: marked SUCCEEDED when the ledger holds it paid, else asked again
	 * with its key. Whether it is SUCCEEDED now by this call; a decline is noted in {@code sweep}, and a refund left
	 * open waits for its next try.
	 */
	private boolean sweepRefund(DueRefund due, Sweep sweep) {
		String id = due.id();
		if (gateway.lookup(id).filter(PaymentResult.Succeeded.class::isInstance).isPresent()) {
			return markRefunded(id);
		}
		Optional<PendingRefund> pending = pendingRefund(id);
		String token = pending.map(PendingRefund::token).orElse(null);
		if (token == null) {
			leftOpen(due, LeftOpen.UNSETTLED); // no card to pay it back to (or settled meanwhile: then left as it is)
			return false;
		}
		PaymentResult result = askRefund(pending.get().refund(), token);
		if (result instanceof PaymentResult.Succeeded) {
			return markRefunded(id);
		}
		if (result instanceof PaymentResult.Declined d) {
			sweep.declined("refund", id, d.code(), sweep.declinedRefunds);
			leftOpen(due, LeftOpen.DECLINED);
		}
		else {
			leftOpen(due, LeftOpen.UNSETTLED);
		}
		return false;
	}

	/**
	 * The sweep's reversal of an attempt it holds REVERSING: whether the money went back; a decline is noted, and an
	 * attempt left open waits for its next try.
	 */
	private boolean sweepReversal(OpenAttempt attempt, Sweep sweep) {
		PaymentResult result = reverse(attempt.token(), attempt.amount(), attempt.key());
		if (result instanceof PaymentResult.Succeeded) {
			return true;
		}
		if (result instanceof PaymentResult.Declined d) {
			sweep.declined("reversal of purchase", attempt.key(), d.code(), sweep.declinedReversals);
			leftOpen(attempt, LeftOpen.DECLINED);
		}
		else {
			leftOpen(attempt, LeftOpen.UNSETTLED);
		}
		return false;
	}

	/**
	 * A voided attempt still not found at the gateway is looked up again after as long as it has been void (at least
	 * {@link #FIRST_VOID_RECHECK}): about a dozen look-ups in all, at 1, 2, 4, 8 minutes and so on, and none once it
	 * has been void for {@link #voidRecheck}.
	 */
	private void recheckLater(String gatewayKey) {
		Instant now = clock.instant();
		jdbc.sql("""
				UPDATE purchase_attempts
				SET recheck_at = CASE WHEN settled_at <= :last THEN NULL
				                      ELSE CAST(:now AS timestamptz)
				                           + greatest(:first * interval '1 second', CAST(:now AS timestamptz) - settled_at)
				                 END,
				    last_try = NULL
				WHERE gateway_key = :key AND status = 'VOID'
				""")
			.param("last", Timestamp.from(now.minus(voidRecheck)))
			.param("now", Timestamp.from(now))
			.param("first", FIRST_VOID_RECHECK.toSeconds())
			.param("key", gatewayKey)
			.update();
	}

	/**
	 * As {@link #recheckLater}, for a look-up that failed rather than found nothing: never the last one, so a void whose
	 * final look-up met a gateway that was down is still looked up once it answers.
	 */
	private void recheckLaterAfterAFailure(String gatewayKey) {
		Instant now = clock.instant();
		try {
			jdbc.sql("""
					UPDATE purchase_attempts
					SET recheck_at = CAST(:now AS timestamptz)
					                 + least(greatest(:first * interval '1 second', CAST(:now AS timestamptz) - settled_at),
					                         :longest * interval '1 second'),
					    last_try = 'FAILED'
					WHERE gateway_key = :key AND status = 'VOID'
					""")
				.param("now", Timestamp.from(now))
				.param("first", FIRST_VOID_RECHECK.toSeconds())
				.param("longest", LONGEST_RETRY_UNREFUSED.toSeconds())
				.param("key", gatewayKey)
				.update();
		}
		catch (DataAccessException e) {
			log.warn("The sweep could not put off its next look-up of {} ({}); it is due again next run", gatewayKey,
					e.getMessage());
		}
	}

	/** An open attempt as the sweep read it, with how many tries of the sweep left it open so far. */
	private record OpenAttempt(String key, String status, Money amount, String token, String subscriptionId,
			int failedTries, After after) {
	}

	/** Where a read of due attempts goes on from: after this one, in the read's order (when due, then the key). */
	private record After(Timestamp at, String key) {

		static final After START = new After(Timestamp.from(Instant.EPOCH), "");
	}

	/**
	 * The renewal engine's claims as the sweep sees them: a run holds each subscription it renews under a session-level
	 * advisory lock on {@code hashtextextended(subscription_id, 0)} from its claim until the attempt's outcome is
	 * recorded (subscriptions.RenewalQueue, the {@code CLAIM} statement: the same key). The sweep takes that lock
	 * too, on a connection of its own, while it looks an attempt up and settles it: never while a run holds it, and no
	 * run claims the subscription meanwhile. A purchase's attempt names a subscription no run can claim yet.
	 */
	private RenewalClaims renewalClaims() {
		return new RenewalClaims(dataSource);
	}

	/** The sweep's session of renewal claims, on a connection of its own taken at its first claim (none if no claim). */
	private static final class RenewalClaims implements AutoCloseable {

		private final javax.sql.DataSource dataSource;

		private java.sql.@Nullable Connection connection;

		private @Nullable JdbcClient session;

		RenewalClaims(javax.sql.DataSource dataSource) {
			this.dataSource = dataSource;
		}

		private JdbcClient session() {
			JdbcClient open = session;
			if (open == null) {
				java.sql.Connection opened;
				try {
					opened = dataSource.getConnection();
					connection = opened;
					opened.setAutoCommit(true);
				}
				catch (SQLException e) {
					throw new IllegalStateException("No database connection for the sweep", e);
				}
				open = JdbcClient.create(new org.springframework.jdbc.datasource.SingleConnectionDataSource(opened, true));
				session = open;
			}
			return open;
		}

		/** Whether the sweep now holds the subscription's renewal claim; false while a renewal run holds it. */
		boolean tryHold(String subscriptionId) {
			return session().sql("SELECT pg_try_advisory_lock(hashtextextended(:sub, 0))").param("sub", subscriptionId)
				.query(Boolean.class).single();
		}

		void release(String subscriptionId) {
			session().sql("SELECT pg_advisory_unlock(hashtextextended(:sub, 0))").param("sub", subscriptionId)
				.query(Boolean.class).single();
		}

		@Override
		public void close() {
			java.sql.Connection opened = connection;
			if (opened == null) {
				return;
			}
			try {
				java.util.Objects.requireNonNull(session).sql("SELECT pg_advisory_unlock_all()").query().listOfRows();
			}
			catch (RuntimeException e) {
				log.warn("The sweep could not let go of its renewal claims; its connection is closed", e);
			}
			finally {
				try {
					opened.close();
				}
				catch (SQLException e) {
					// the pool discards a broken connection
				}
			}
		}
	}

	private static void requireNoTransaction() {
		if (TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalStateException("The gateway is never called inside a database transaction");
		}
	}

	@Transactional(readOnly = true)
	public Optional<Refund> refundById(String id) {
		return jdbc.sql("SELECT id, charge_id, amount, currency, status, reason, created_at FROM refunds WHERE id = :id")
			.param("id", id)
			.query(Billing::mapRefund)
			.optional();
	}

	static Charge mapCharge(ResultSet rs, int row) throws SQLException {
		return new Charge(rs.getString("id"), rs.getString("account_id"), rs.getString("subscription_id"),
				rs.getLong("amount"), rs.getString("currency"), Charge.Status.valueOf(rs.getString("status")),
				rs.getTimestamp("period_start").toInstant(), rs.getTimestamp("period_end").toInstant(),
				rs.getTimestamp("created_at").toInstant(), rs.getLong("refunded_amount"),
				rs.getString("payment_method_id"), rs.getLong("seq"));
	}

	static Refund mapRefund(ResultSet rs, int row) throws SQLException {
		return new Refund(rs.getString("id"), rs.getString("charge_id"), rs.getLong("amount"), rs.getString("currency"),
				rs.getString("status"), rs.getString("reason"), rs.getTimestamp("created_at").toInstant());
	}
}
