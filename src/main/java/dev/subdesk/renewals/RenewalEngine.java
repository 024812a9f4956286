package dev.subdesk.renewals;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.billing.Billing;
import dev.subdesk.billing.Charge;
import dev.subdesk.jurisdictions.Jurisdictions;
import dev.subdesk.jurisdictions.ScheduledNotice;
import dev.subdesk.payments.PaymentGateway.ChargeRequest;
import dev.subdesk.payments.PaymentResult;
import dev.subdesk.shared.StoppableJob;
import dev.subdesk.subscriptions.RenewalQueue;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionPriceChanges;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Auto-renewal. Every auto-renewing subscription is charged at {@code currentPeriodEnd} for its next period
 * with its renewal price; a RENEWAL_REMINDER goes out before (30 days for yearly plans, inside California's
 * 15-45-day window, R-CA-7; 3 days for monthly ones); a declined renewal is retried 1, 3 and 5 days later
 * before the subscription expires. Work is claimed in batches, the gateway is called outside any transaction,
 * and each attempt carries its own gateway idempotency key, so a crash or a lost answer never charges twice. A batch
 * goes to the gateway in chunks, each checked still due just before it leaves: a subscription cancelled after its
 * claim is not charged and then given back, it is not charged (R-US-3).
 */
@Service
public class RenewalEngine extends StoppableJob implements org.springframework.beans.factory.DisposableBean {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RenewalEngine.class);

	/** The reason of the refund of an add-on's charge for a period its base never paid for ({@link #recordDecline}). */
	static final String ADD_ON_OF_AN_UNPAID_BASE = "Charged for an add-on for a period its base subscription never "
			+ "paid for; the base expired unpaid and the add-on with it: what was left of this charge refunded automatically";


	private final RenewalQueue queue;
	private final Billing billing;
	private final Accounts accounts;
	private final ApplicationEventPublisher events;
	private final Clock clock;
	private final TransactionTemplate tx;
	private final RenewalTimings timings = new RenewalTimings();
	private final Counter renewedCounter;
	private final Counter failedCounter;
	private final Counter expiredCounter;
	private final Counter remindersCounter;
	private final AtomicLong lagSeconds = new AtomicLong();
	private final java.util.concurrent.ThreadPoolExecutor workers;
	private final int workerCount;
	private final int batchSize;
	/** How many requests go to the gateway at once, each chunk checked just before it leaves ({@link #send}). */
	private final int sendChunk;
	private final boolean preBillingNotice;
	/** The rule table's notice of a promotion's end (R-CA-6), if it has one on. */
	private final java.util.Optional<dev.subdesk.jurisdictions.NoticeRule> promotionEnding;
	private final SubscriptionPriceChanges priceChanges;

	RenewalEngine(RenewalQueue queue, Billing billing, Accounts accounts, ApplicationEventPublisher events, Clock clock,
			PlatformTransactionManager txManager, MeterRegistry meters,
			@Value("${subdesk.renewals.workers:3}") int workerCount,
			@Value("${subdesk.renewals.batch-size:1000}") int batchSize,
			@Value("${subdesk.renewals.send-chunk:50}") int sendChunk,
			Jurisdictions jurisdictions, SubscriptionPriceChanges priceChanges,
			@Value("${subdesk.db-pool-size:20}") int poolSize,
			@Value("${spring.task.scheduling.pool.size:1}") int schedulerThreads) {
		requirePoolForTheJobs(workerCount, schedulerThreads, poolSize);
		this.priceChanges = priceChanges;
		// the rule table names the notice by its type, notices.NoticeType.UPCOMING_CHARGE
		this.preBillingNotice = jurisdictions.noticeActive(ScheduledNotice.UPCOMING_CHARGE);
		this.promotionEnding = jurisdictions.promotionEndingNotice();
		this.batchSize = batchSize;
		this.sendChunk = Math.max(1, sendChunk);
		this.workerCount = Math.max(1, workerCount);
		this.workers = new java.util.concurrent.ThreadPoolExecutor(this.workerCount, this.workerCount, 0L,
				java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
				Thread.ofPlatform().name("renewal-worker-", 0).daemon().factory());
		this.queue = queue;
		this.billing = billing;
		this.accounts = accounts;
		this.events = events;
		this.clock = clock;
		this.tx = new TransactionTemplate(txManager);
		this.renewedCounter = meters.counter("subdesk.renewals.renewed");
		this.failedCounter = meters.counter("subdesk.renewals.failed");
		this.expiredCounter = meters.counter("subdesk.renewals.expired");
		this.remindersCounter = meters.counter("subdesk.renewals.reminders");
		Gauge.builder("subdesk.renewals.lag.seconds", lagSeconds, AtomicLong::get)
			.description("How late the oldest due renewal attempt is")
			.register(meters);
	}

	/**
	 * Refuses a pool of database connections that the background jobs alone can take whole: the renewal run holds two
	 * for each worker (its claims on one while it records with another) and two more (the billing sweep's), and each
	 * other thread of the scheduler ({@code SUBDESK_SCHEDULER_THREADS}, the run holding one) may run a job holding one;
	 * at least one is left for requests. With the defaults (3 workers, 8 threads) the jobs can hold 15, so the pool
	 * must have at least 16; it has 20.
	 */
	static void requirePoolForTheJobs(int workerCount, int schedulerThreads, int poolSize) {
		int workers = Math.max(1, workerCount);
		int threads = Math.max(1, schedulerThreads);
		int jobs = 2 * workers + 2 + (threads - 1);
		if (jobs + 1 > poolSize) {
			throw new IllegalStateException("SUBDESK_RENEWALS_WORKERS is " + workerCount
					+ " and SUBDESK_SCHEDULER_THREADS is " + schedulerThreads + ": the background jobs can hold " + jobs
					+ " database connections at once (the renewal run two for each worker and two more, each of the "
					+ "scheduler's " + (threads - 1) + " other threads one), and requests need at least one, so "
					+ "SUBDESK_DB_POOL_SIZE (" + poolSize + ") must be at least " + (jobs + 1)
					+ ". Raise the pool, or lower the workers or the scheduler's threads.");
		}
	}

	public RenewalTimings timings() {
		return timings;
	}

	/**
	 * Sends every RENEWAL_REMINDER due at or before {@code until}, batch by batch; once the node begins to stop, no
	 * batch after the one in hand ({@link #sendAllDue}).
	 */
	int sendReminders(Instant until) {
		int sent = sendAllDue(() -> queue.claimReminders(until, batchSize), RenewalsApproaching.Milestone.RENEWAL, true);
		remindersCounter.increment(sent);
		return sent;
	}

	/**
	 * Sends a subscription's RENEWAL_REMINDER now if it is due and was not sent (auto-renewal turned back on after
	 * its time, shared/API.md: "sent at once"), in the caller's transaction; whether it did.
	 */
	boolean sendReminderIfLate(String subscriptionId, Instant now) {
		int sent = sendAllDue(() -> queue.claimReminderOf(subscriptionId, now), RenewalsApproaching.Milestone.RENEWAL,
				false);
		remindersCounter.increment(sent);
		return sent > 0;
	}

	/**
	 * Sends every pre-billing notice due at or before {@code until}: 7 days before a yearly renewal (R-CARD-3,
	 * Mastercard's 3 to 7 days for plans billed less often than every 6 months), beside the RENEWAL_REMINDER 30
	 * days ahead. Only while the rule table has it on (its switch {@code subdesk.compliance.pre-billing-notice}).
	 */
	int sendPreBillingNotices(Instant until) {
		int sent = sendPromotionEndingNotices(until);
		return sent + (preBillingNotice
				? sendAllDue(() -> queue.claimPreBillingNotices(until, batchSize), RenewalsApproaching.Milestone.CHARGE,
						true)
				: 0);
	}

	/**
	 * Sends every notice of a promotion's end due at or before {@code until} (R-CA-6: a promotional price for a
	 * period longer than 31 days ends with a notice 3 to 21 days before the full price is charged): the rule table's
	 * UPCOMING_CHARGE its days before the renewal that ends a period charged an accepted retention discount, for the
	 * terms it names, with the full price, the date and how to cancel; at once for one due earlier. Claimed before the
	 * pre-billing notices, and with the same mark: one UPCOMING_CHARGE per subscription and renewal. It goes to the
	 * customers whose jurisdiction lists one of the notice's rules, and to every one while the pre-billing notice is on
	 * for all (whose UPCOMING_CHARGE it then is): the claim takes only those
	 * ({@link RenewalQueue#claimPromotionEndingNotices}), so that the mark is never written for a notice not sent (the
	 * others' renewal keeps its pre-billing notice, should that switch be turned on before it).
	 */
	int sendPromotionEndingNotices(Instant until) {
		return promotionEnding.isPresent()
				? sendAllDue(() -> queue.claimPromotionEndingNotices(until, batchSize),
						RenewalsApproaching.Milestone.PROMOTION_END, true)
				: 0;
	}

	/**
	 * Sends a subscription's notice of its promotion's end now if it is due and was not sent (auto-renewal turned
	 * back on after its time: "sent at once", as a reminder), in the caller's transaction; whether it did. Less than 3
	 * days before the renewal that is less than R-CA-6's 3 days ahead: it goes anyway, the renewal is not moved
	 * (docs/COMPLIANCE-MATRIX.md, R-CA-6).
	 */
	boolean sendPromotionEndingNoticeIfLate(String subscriptionId, Instant now) {
		return promotionEnding.isPresent()
				&& sendAllDue(() -> queue.claimPromotionEndingNoticeOf(subscriptionId, now),
						RenewalsApproaching.Milestone.PROMOTION_END, false) > 0;
	}

	/**
	 * Sends every TRIAL_ENDING notice due at or before {@code until}: the rule table's days before a free trial
	 * converts into its first charge (the strictest rule: R-CARD-1/2's at least 7 days, inside R-CA-6's 3 to 21),
	 * with a direct cancel link; at once for a trial shorter than that. Never for a trial set to end.
	 */
	int sendTrialEndingNotices(Instant until) {
		return sendAllDue(() -> queue.claimTrialEndingNotices(until, batchSize), RenewalsApproaching.Milestone.TRIAL_END,
				true);
	}

	/**
	 * When the next pre-billing notice is due (while they are switched on), or the next notice of a promotion's end
	 * (while the rule table has it), whichever comes first.
	 */
	java.util.Optional<Instant> nextPreBillingNoticeDue() {
		java.util.Optional<Instant> preBilling = preBillingNotice ? queue.nextPreBillingNoticeDue()
				: java.util.Optional.empty();
		java.util.Optional<Instant> promotion = promotionEnding.isPresent() ? queue.nextPromotionEndingNoticeDue()
				: java.util.Optional.empty();
		return preBilling.isEmpty() ? promotion
				: promotion.isEmpty() || preBilling.get().isBefore(promotion.get()) ? preBilling : promotion;
	}

	/**
	 * Claims due subscriptions batch by batch and publishes each batch as one {@link RenewalsApproaching}, whose listener
	 * stores a notice for each, in the claim's transaction: each batch is claimed, marked sent and its notices stored in
	 * one transaction of its own (the jobs' runs hold none around it), so a batch is done whole or not at all.
	 * {@code untilStop}: a job of a run, which claims no batch once the node begins to stop ({@link #stop}); the batch
	 * in hand commits, and the rest stays due for the next run, on any node (none marked sent without its notice, none
	 * sent twice). A single subscription's notice, sent in its caller's transaction, goes all the same.
	 */
	private int sendAllDue(java.util.function.Supplier<List<Subscription>> claim, RenewalsApproaching.Milestone milestone,
			boolean untilStop) {
		int sent = 0;
		while (!(untilStop && stopping())) {
			Integer count = timed(timings::database, () -> tx.execute(status -> {
				List<Subscription> due = claim.get();
				if (due.isEmpty()) {
					return 0;
				}
				Map<String, Accounts.Addressee> to = accounts.addressees(due.stream().map(Subscription::accountId).toList());
				// every one claimed is told (a promotion's end is claimed only for the customers it goes to); the
				// notice tells the price the renewal will charge: a plan's new price where it applies then
				Map<String, SubscriptionPriceChanges.Renewing> prices = priceChanges.atRenewal(due);
				events.publishEvent(new RenewalsApproaching(milestone,
						due.stream()
							.map(s -> new RenewalsApproaching.Approaching(s, to.get(s.accountId()),
									prices.get(s.id()).charge(), prices.get(s.id()).awaitingConsent()))
							.toList(),
						clock.instant()));
				return due.size();
			}));
			int n = Objects.requireNonNullElse(count, 0);
			if (n == 0) {
				return sent;
			}
			sent += n;
		}
		return sent;
	}

	/**
	 * Runs every renewal attempt due at or before {@code until}: bases first, then the add-ons. Several workers
	 * claim batches side by side ({@code subdesk.renewals.workers}), so the database and the JVM work in parallel. A run
	 * with nothing due (most of the scheduler's ticks) learns it from one statement and starts no worker.
	 */
	RunResult attemptRenewals(Instant until) {
		if (!timed(timings::database, () -> queue.anyDue(until))) {
			// nothing to claim (the check and the claim share their predicate): no worker started, no claim opened. The
			// lag is measured as after a run with work (one statement along the indexes): an attempt no run can claim
			// (an add-on whose base ended) counts in both, so the gauge does not flip between idle and busy runs
			lagSeconds.set(queue.lagSeconds(clock.instant()));
			return RunResult.NOTHING;
		}
		RunResult total = RunResult.NOTHING;
		Set<String> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();
		for (boolean bases : new boolean[] { true, false }) {
			List<java.util.concurrent.Future<RunResult>> running = new ArrayList<>();
			for (int i = 0; i < workerCount; i++) {
				running.add(workers.submit(() -> drain(until, bases, unanswered)));
			}
			for (java.util.concurrent.Future<RunResult> worker : running) {
				try {
					total = total.plus(worker.get());
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("Interrupted while renewing", e);
				}
				catch (java.util.concurrent.ExecutionException e) {
					throw new IllegalStateException("A renewal worker failed", e.getCause());
				}
			}
		}
		renewedCounter.increment(total.renewed());
		failedCounter.increment(total.failed());
		expiredCounter.increment(total.expired());
		lagSeconds.set(queue.lagSeconds(clock.instant()));
		return total;
	}

	/** How many worker tasks the runs have started so far (each opens a claim): none for a run with nothing due. */
	long workerTasksStarted() {
		return workers.getTaskCount();
	}

	/** One worker: claims and processes batches until nothing is due; attempts without an answer wait for the next run. */
	private RunResult drain(Instant until, boolean bases, Set<String> unanswered) {
		RunResult total = RunResult.NOTHING;
		try (RenewalQueue.Claimer claimer = queue.claimer()) {
			while (!stopping()) {
				List<RenewalQueue.Due> batch = timed(timings::database,
						() -> claimer.claim(until, bases, batchSize, unanswered));
				if (batch.isEmpty()) {
					return total;
				}
				total = total.plus(process(batch, unanswered));
				timed(timings::database, () -> {
					claimer.unlockAll();
					return null;
				});
			}
			return total;
		}
	}

	/** How many times the node has begun to stop: a run that sees it change was stopped, even if started again since. */
	private final AtomicLong stops = new AtomicLong();

	long stops() {
		return stops.get();
	}

	/**
	 * The node begins to stop (its context closing, or paused): the run under way starts no other job ({@link Jobs}),
	 * its reminders and other notices claim no other batch, and its renewal attempts claim no other batch either; each
	 * worker finishes the batch in hand (its charges sent, answered and recorded, not left PENDING for the sweep to give
	 * back and charge again) and returns, while the scheduler's stop waits for the run
	 * (dev.subdesk.ScheduledJobsConfiguration, {@code SUBDESK_SCHEDULER_STOP_WAIT}). Before, the run learnt of the stop
	 * only when this bean was destroyed, after that whole wait: a big run kept claiming batches through it, and was
	 * then interrupted. What is left stays due for the next run, on any node.
	 */
	@Override
	public void stop() {
		super.stop();
		stops.incrementAndGet();
	}

	/**
	 * Ends the workers once the context is closing (a run was already told to claim no other batch by {@link #stop}):
	 * a run started outside the scheduler (a test-clock advance) finishes its batch in hand, for up to 30 seconds;
	 * only then are its workers interrupted.
	 */
	@Override
	public void destroy() {
		stop();
		workers.shutdown();
		try {
			if (!workers.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
				workers.shutdownNow();
			}
		}
		catch (InterruptedException e) {
			workers.shutdownNow();
			Thread.currentThread().interrupt();
		}
	}

	private RunResult process(List<RenewalQueue.Due> batch, Set<String> unansweredInRun) {
		List<RenewalQueue.Renewal> rollovers = new ArrayList<>();
		List<RenewalQueue.Due> direct = new ArrayList<>();
		for (RenewalQueue.Due due : batch) {
			Subscription s = due.subscription();
			if (s.storeBilled()) {
				rollovers.add(new RenewalQueue.Renewal(s.id(), s.currentPeriodEnd(), s.nextPeriodEnd(), s.price(), false));
			}
			else {
				direct.add(due);
			}
		}
		if (!rollovers.isEmpty()) {
			timed(timings::database, () -> tx.execute(status -> {
				queue.renewed(rollovers);
				return null;
			}));
		}
		Set<String> methodIds = new HashSet<>();
		direct.forEach(d -> {
			if (d.subscription().paymentMethodId() != null) {
				methodIds.add(d.subscription().paymentMethodId());
			}
		});
		Map<String, String> tokens = timed(timings::database, () -> accounts.gatewayTokens(methodIds));
		Map<String, SubscriptionPriceChanges.Renewing> prices = timed(timings::database,
				() -> priceChanges.atRenewal(direct.stream().map(RenewalQueue.Due::subscription).toList()));
		direct.replaceAll(due -> atPrice(due, prices.get(due.subscription().id()).charge()));
		List<RenewalQueue.Due> withToken = new ArrayList<>();
		List<RenewalQueue.Due> noMethod = new ArrayList<>();
		for (RenewalQueue.Due due : direct) {
			String token = due.subscription().paymentMethodId() == null ? null : tokens.get(due.subscription().paymentMethodId());
			(token == null ? noMethod : withToken).add(due);
		}
		// recorded before the gateway is asked (money never moves without a record): the key of each attempt, with the
		// card and amount it is sent with (a key recorded before: those it was first sent with)
		Map<String, Billing.RenewalCharge> attempts = timed(timings::database,
				() -> billing.recordRenewalAttempts(withToken.stream().map(d -> attempt(d, tokens)).toList()));
		List<RenewalQueue.Due> charged = new ArrayList<>();
		List<ChargeRequest> requests = new ArrayList<>();
		List<RenewalQueue.Due> succeeded = new ArrayList<>();
		for (RenewalQueue.Due due : withToken) {
			Billing.RenewalCharge attempt = attempts.get(due.subscription().id());
			if (attempt == null) {
				unansweredInRun.add(due.subscription().id()); // not recorded: not asked, tried at the next run
				continue;
			}
			RenewalQueue.Due sent = asSent(due, attempt);
			if (attempt.paid()) {
				succeeded.add(sent); // the gateway's ledger holds its payment: recorded, not sent again
				continue;
			}
			charged.add(sent);
			requests.add(new ChargeRequest(attempt.gatewayToken(), attempt.amount(), attempt.gatewayKey()));
		}
		List<RenewalQueue.Due> sent = new ArrayList<>(charged.size());
		List<PaymentResult> results = send(charged, requests, sent, unansweredInRun);
		List<RenewalQueue.Due> declined = new ArrayList<>(noMethod);
		List<String> declineCodes = new ArrayList<>(noMethod.stream().map(d -> "no_payment_method").toList());
		List<String> unanswered = new ArrayList<>();
		for (int i = 0; i < sent.size(); i++) {
			switch (results.get(i)) {
				case PaymentResult.Succeeded ok -> succeeded.add(sent.get(i));
				case PaymentResult.Declined no -> {
					declined.add(sent.get(i));
					declineCodes.add(no.code());
				}
				case PaymentResult.Unknown unknown -> unanswered.add(sent.get(i).subscription().id());
			}
		}
		recordSuccesses(succeeded, prices, attempts);
		int expired = 0;
		for (int i = 0; i < declined.size(); i++) {
			RenewalQueue.Due due = declined.get(i);
			Billing.RenewalCharge attempt = attempts.get(due.subscription().id());
			expired += recordDecline(due, declineCodes.get(i), attempt == null ? gatewayKey(due) : attempt.gatewayKey());
		}
		unansweredInRun.addAll(unanswered);
		return new RunResult(succeeded.size(), declined.size(), expired, 0, 0);
	}

	/**
	 * Sends the batch's requests to the gateway chunk by chunk ({@code subdesk.renewals.send-chunk}): right before each
	 * chunk leaves, one statement checks that its subscriptions are still due as claimed (the claim committed long
	 * before the last request of a large batch leaves, and a customer may cancel meanwhile: R-US-3, after a confirmed
	 * cancellation no further scheduled charge is attempted), and only those are sent. The others are not asked this
	 * run: their attempts stay recorded, unsent (PENDING, for the sweep to look up and settle; a subscription due
	 * again, after a change that rolled back, is sent at the next run under the same key, card and amount). Fills
	 * {@code sent} with the attempts sent, in the order of the answers returned.
	 */
	private List<PaymentResult> send(List<RenewalQueue.Due> charged, List<ChargeRequest> requests,
			List<RenewalQueue.Due> sent, Set<String> unansweredInRun) {
		List<PaymentResult> results = new ArrayList<>(charged.size());
		for (int from = 0; from < charged.size(); from += sendChunk) {
			List<RenewalQueue.Due> chunk = charged.subList(from, Math.min(charged.size(), from + sendChunk));
			List<RenewalQueue.Due> chunkSent = new ArrayList<>(chunk.size());
			List<ChargeRequest> chunkRequests = new ArrayList<>(chunk.size());
			try {
				Set<String> stillDue = timed(timings::database, () -> queue.stillDueToSend(chunk));
				for (int i = 0; i < chunk.size(); i++) {
					RenewalQueue.Due due = chunk.get(i);
					if (stillDue.contains(due.subscription().id())) {
						chunkSent.add(due);
						chunkRequests.add(requests.get(from + i));
					}
					else {
						unansweredInRun.add(due.subscription().id()); // not claimed again in this run
					}
				}
				if (!chunkRequests.isEmpty()) {
					results.addAll(timed(timings::gateway, () -> billing.chargeRenewals(chunkRequests)));
					sent.addAll(chunkSent);
				}
			}
			catch (RuntimeException e) {
				// the answers of the chunks before are recorded; this chunk and the rest are left unanswered, their
				// attempts recorded (PENDING) for the sweep to look up, as an answer lost on the way would be
				log.warn("Renewal requests from {} of {} left unanswered in this run: {}", from, charged.size(),
						e.toString());
				charged.subList(from, charged.size()).forEach(due -> unansweredInRun.add(due.subscription().id()));
				break;
			}
		}
		return results;
	}

	private static Billing.RenewalAttempt attempt(RenewalQueue.Due due, Map<String, String> tokens) {
		Subscription s = due.subscription();
		String method = Objects.requireNonNull(s.paymentMethodId());
		return new Billing.RenewalAttempt(gatewayKey(due), s.accountId(), s.id(), method,
				Objects.requireNonNull(tokens.get(method)), s.price());
	}

	/**
	 * The attempt as its key is sent: with the card and amount the key was first sent with, which a key retried after
	 * the customer changed card (or the price changed) keeps; what it records and tells is what was charged.
	 */
	private static RenewalQueue.Due asSent(RenewalQueue.Due due, Billing.RenewalCharge attempt) {
		Subscription s = due.subscription();
		if (attempt.paymentMethodId().equals(s.paymentMethodId()) && attempt.amount().equals(s.price())) {
			return due;
		}
		return new RenewalQueue.Due(s.withPaymentMethod(attempt.paymentMethodId()).withRenewalPrice(attempt.amount()),
				due.dueAt(), due.extraAttempt(), due.dunningAttempts());
	}

	/** The gateway idempotency key of one attempt: per subscription, period and attempt number. */
	static String gatewayKey(RenewalQueue.Due due) {
		Subscription s = due.subscription();
		String attempt = due.extraAttempt() ? "x" + due.dueAt().getEpochSecond() : "a" + due.attemptNumber();
		return "renewal_" + s.id() + "_p" + (s.periodIndex() + 1) + "_" + attempt;
	}

	/** The attempt charging {@code price} (a plan's new price applying at this renewal, see SubscriptionPriceChanges). */
	private static RenewalQueue.Due atPrice(RenewalQueue.Due due, dev.subdesk.shared.Money price) {
		Subscription s = due.subscription();
		return price.equals(s.price()) ? due
				: new RenewalQueue.Due(s.withRenewalPrice(price), due.dueAt(), due.extraAttempt(), due.dunningAttempts());
	}

	private void recordSuccesses(List<RenewalQueue.Due> paid, Map<String, SubscriptionPriceChanges.Renewing> prices,
			Map<String, Billing.RenewalCharge> attempts) {
		if (paid.isEmpty()) {
			return;
		}
		List<RenewalQueue.Due> toReverse;
		try {
			toReverse = recordSuccesses(paid, prices, attempts, false);
		}
		catch (org.springframework.dao.DataAccessException e) {
			if (!chargedOtherwise(e)) {
				throw e;
			}
			// A successful charge recorded otherwise (an import) for the period of one of them: the batch rolled back,
			// and goes again looking for such periods, their payments given back (the rare path: no statement is added
			// to the usual one).
			log.warn("A renewal batch met a charge recorded otherwise for one of its periods; recorded again without it",
					e);
			toReverse = recordSuccesses(paid, prices, attempts, true);
		}
		// Cancelled (or renewed by another node) while the charge was with the gateway: the money goes back.
		for (RenewalQueue.Due due : toReverse) {
			Billing.RenewalCharge attempt = attempts.get(due.subscription().id());
			billing.reverseUnrecordedPayment(attempt.gatewayToken(), attempt.amount(), attempt.gatewayKey());
		}
	}

	/** Whether {@code e} is the one-success-per-period index refusing a charge (DESIGN invariant 2). */
	private static boolean chargedOtherwise(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause()) {
			if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())
					&& String.valueOf(sql.getMessage()).contains("charges_one_success_per_period")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Records the paid attempts in one transaction; returns those whose money goes back. {@code checkCharged}: each
	 * subscription's period already charged otherwise (an import) is moved on all the same (that charge pays for it)
	 * but its renewal charge is not recorded: its payment goes back.
	 */
	private List<RenewalQueue.Due> recordSuccesses(List<RenewalQueue.Due> paid,
			Map<String, SubscriptionPriceChanges.Renewing> prices, Map<String, Billing.RenewalCharge> attempts,
			boolean checkCharged) {
		List<RenewalQueue.Due> succeeded = new ArrayList<>(paid.size());
		List<RenewalQueue.Due> stale = new ArrayList<>();
		List<RenewalQueue.Due> toReverse = new ArrayList<>();
		java.util.function.Function<RenewalQueue.Due, String> keyOf = d -> attempts.get(d.subscription().id()).gatewayKey();
		timed(timings::database, () -> tx.execute(status -> {
			queue.commitWithoutWaitingForDisk();
			// an attempt the sweep took meanwhile (its money is being given back) records nothing: still due, its
			// subscription is charged again under the key that follows
			// each with the amount its charge records (a key completes only with the amount it was sent with)
			Map<String, dev.subdesk.shared.Money> amounts = new java.util.HashMap<>(paid.size() * 2);
			paid.forEach(d -> amounts.put(keyOf.apply(d), d.subscription().price()));
			Set<String> completed = billing.completeRenewalAttempts(amounts);
			List<RenewalQueue.Due> uncompleted = new ArrayList<>();
			paid.forEach(d -> (completed.contains(keyOf.apply(d)) ? succeeded : uncompleted).add(d));
			if (!uncompleted.isEmpty()) {
				// taken but not recordable: given back after the commit (by the sweep, should this server stop first)
				Set<String> back = billing.markUncompletedForReversal(uncompleted.stream().map(keyOf).toList());
				uncompleted.stream().filter(d -> back.contains(keyOf.apply(d))).forEach(toReverse::add);
			}
			List<RenewalQueue.Renewal> renewals = new ArrayList<>(succeeded.size());
			for (RenewalQueue.Due due : succeeded) {
				Subscription s = due.subscription();
				SubscriptionPriceChanges.Renewing renewing = prices.get(s.id());
				// what was charged (s.price(): the amount the attempt was sent with) marks a promotion (R-CA-6) only
				// when it is the discount accepted for this renewal, not a plan's new price that applied instead
				renewals.add(new RenewalQueue.Renewal(s.id(), s.currentPeriodEnd(), s.nextPeriodEnd(), renewing.next(),
						renewing.chargesAcceptedDiscount(s.price())));
			}
			Set<String> moved = queue.renewed(renewals);
			Map<String, String> applied = new java.util.HashMap<>();
			moved.forEach(id -> {
				String change = prices.get(id).appliedChangeId();
				if (change != null) {
					applied.put(id, change);
				}
			});
			priceChanges.applied(applied, clock.instant());
			List<Billing.NewCharge> charges = new ArrayList<>(moved.size());
			List<RenewalQueue.Due> recorded = new ArrayList<>(moved.size());
			for (RenewalQueue.Due due : succeeded) {
				Subscription s = due.subscription();
				if (!moved.contains(s.id())) {
					stale.add(due);
					continue;
				}
				if (checkCharged && billing.hasSuccessfulCharge(s.id(), s.currentPeriodEnd())) {
					billing.markForReversal(keyOf.apply(due));
					toReverse.add(due);
					continue;
				}
				recorded.add(due);
				charges.add(new Billing.NewCharge(s.accountId(), s.id(), s.price(), s.currentPeriodEnd(),
						s.nextPeriodEnd(), Objects.requireNonNull(s.paymentMethodId()), keyOf.apply(due), due.dueAt()));
			}
			Map<String, String> chargeIds = billing.recordSuccessfulCharges(charges);
			// what was paid for a subscription that moved on is marked to go back before this commits: a crash after
			// the commit leaves it to the sweep, not completed without its charge. Kept only when the period's charge
			// records this very payment; a charge recorded otherwise for the period (an import) pays for it, and the
			// payment goes back as on the batch path that meets one (checkCharged above)
			for (RenewalQueue.Due due : stale) {
				Subscription s = due.subscription();
				if (!billing.recordsPayment(s.id(), s.currentPeriodEnd(), keyOf.apply(due))) {
					billing.markForReversal(keyOf.apply(due));
					toReverse.add(due);
				}
			}
			timed(timings::notices, () -> {
				Map<String, Accounts.Addressee> to = accounts
					.addressees(recorded.stream().map(d -> d.subscription().accountId()).toList());
				List<RenewalsCharged.Charged> charged = new ArrayList<>(chargeIds.size());
				for (RenewalQueue.Due due : recorded) {
					Subscription s = due.subscription();
					String chargeId = chargeIds.get(s.id());
					if (chargeId != null) {
						charged.add(new RenewalsCharged.Charged(s, chargeId, to.get(s.accountId()), due.dueAt()));
					}
				}
				events.publishEvent(new RenewalsCharged(charged));
				return null;
			});
			return null;
		}));
		return toReverse;
	}

	/**
	 * Records a declined attempt in one transaction. When it ends the dunning of a base (its last retry declined), the
	 * add-ons that expire with it get back in full each charge for a period starting at or after the base's unpaid one
	 * (its period end at this attempt, T): charged while the base was PAST_DUE, for a term the base never paid for and
	 * that ends with it. Charges for their periods before T are kept. The refunds are recorded PENDING with the expiry
	 * and paid back after the commit ({@link Billing#recordThenSettle}); a base that recovers refunds nothing.
	 */
	private int recordDecline(RenewalQueue.Due due, String code, String key) {
		// timed as database work: only an expiry that refunds add-ons asks the gateway after its commit (rare)
		Integer expired = timed(timings::database, () -> billing.recordThenSettle(() -> {
			Subscription s = due.subscription();
			billing.declineRenewalAttempt(key);
			// the documented order: the account's row, then the subscription's (a cancellation takes them so)
			accounts.lock(s.accountId());
			if (!queue.stillDue(due)) {
				// cancelled, set to end or renewed while the gateway had it: no PAST_DUE, no retry, nothing to tell
				return 0;
			}
			dev.subdesk.accounts.Account holder = accounts.get(s.accountId());
			@Nullable String failedChargeId = null;
			if (s.paymentMethodId() != null && accounts.paymentMethodEvenIfRemoved(s.paymentMethodId()).isPresent()) {
				Charge failed = billing.recordFailedCharge(s.accountId(), s.id(), s.price(), s.currentPeriodEnd(),
						s.nextPeriodEnd(), s.paymentMethodId(), key, code, due.dueAt());
				failedChargeId = failed.id();
			}
			List<Subscription> ended = queue.declined(due, due.dueAt());
			for (Subscription addOn : ended) {
				if (!addOn.id().equals(s.id())) {
					billing.recordRefundsOfRemainingFrom(addOn.id(), s.currentPeriodEnd(), ADD_ON_OF_AN_UNPAID_BASE,
							due.dueAt());
				}
			}
			events.publishEvent(new RenewalDeclined(s, failedChargeId, code, ended, holder.email(), holder.country(),
					due.dueAt()));
			return ended.size();
		}));
		return Objects.requireNonNullElse(expired, 0);
	}

	private static <T> T timed(java.util.function.LongConsumer sink, Supplier<T> work) {
		long start = System.nanoTime();
		try {
			return work.get();
		}
		finally {
			sink.accept(System.nanoTime() - start);
		}
	}
}
