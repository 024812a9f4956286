package dev.subdesk.renewals;

import dev.subdesk.billing.Billing;
import dev.subdesk.cancellation.ScheduledEnds;
import dev.subdesk.clock.TestClock;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.RenewalQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;

/**
 * Runs every job that is due. Jobs claim their rows under locks, so concurrent runs on one or several nodes
 * never do one job twice; each record is stamped with the instant its job was due.
 */
@Service
public class Jobs {

	private static final Logger log = LoggerFactory.getLogger(Jobs.class);

	/** The longest test-clock advance: ten years of days. */
	public static final Duration MAX_ADVANCE = Duration.ofDays(3660);

	private final ScheduledEnds scheduledEnds;
	private final RenewalEngine engine;
	private final RenewalQueue queue;
	private final TestClock clock;
	private final Billing billing;
	private final ReentrantLock advancing = new ReentrantLock();
	private final PriceChangeJobs priceChanges;

	Jobs(ScheduledEnds scheduledEnds, RenewalEngine engine, RenewalQueue queue, TestClock clock, Billing billing,
			PriceChangeJobs priceChanges) {
		this.priceChanges = priceChanges;
		this.billing = billing;
		this.scheduledEnds = scheduledEnds;
		this.engine = engine;
		this.queue = queue;
		this.clock = clock;
	}

	/** Runs every job due up to now. */
	public RunResult runDue() {
		return runUpTo(clock.instant());
	}

	/**
	 * Jobs due at one instant run in this order: the ends of subscriptions whose consent to a price increase is
	 * missing at its renewal, scheduled cancellations, price change notices, then reminders and the other notices
	 * (which tell the price a renewal will charge, a new one included), renewal attempts (with expiries), the sweep of
	 * charges after a cancellation, then the reconciliation of pending money records. Once the node begins to stop
	 * ({@link RenewalEngine#stop}) the run starts no further job: the job in hand ends (the chunked ones after the
	 * batch in hand, each batch its own transaction), and the rest is left, untouched, for the next run on any node,
	 * rather than be interrupted mid-work when the scheduler's stop wait ends.
	 */
	private RunResult runUpTo(Instant until) {
		long stops = engine.stops();
		Run run = new Run(() -> engine.stopping() || engine.stops() != stops);
		run.job("price change ends without consent", () -> priceChanges.endWithoutConsent(until, run::stopping));
		// the jobs of other modules that go chunk by chunk ask the run whether to claim another chunk
		int ended = run.job("scheduled cancellations", () -> scheduledEnds.takeEffect(until, run::stopping), 0);
		run.job("price change notices", () -> priceChanges.sendNotices(until, run::stopping));
		int reminders = run.job("reminders", () -> engine.sendReminders(until), 0);
		run.job("pre-billing notices", () -> engine.sendPreBillingNotices(until));
		run.job("trial ending notices", () -> engine.sendTrialEndingNotices(until));
		RunResult attempts = RunResult.NOTHING;
		if (run.failed == null || run.stopping()) {
			// when stopping: not started, named with the jobs skipped
			attempts = run.job("renewal attempts", () -> engine.attemptRenewals(until), RunResult.NOTHING);
		}
		else {
			// a renewal charges what those jobs decide first (an end without consent, a cancellation taking effect, a
			// notice a price change or a pre-billing rule requires): none is made before they have all run
			log.error("No renewal attempts in this run: the job '{}' before them failed; the next run tries again",
					run.failed);
		}
		run.job("sweep of charges after a cancellation", scheduledEnds::sweepChargesAfterCancellation);
		// takes up no further record once the node begins to stop: the one in hand ends, the rest stays due
		run.job("reconciliation of pending money records", () -> billing.reconcilePending(run::stopping));
		if (!run.skipped.isEmpty()) {
			log.info("The node is stopping: this run started none of the jobs {}; they are left for the next run, on any "
					+ "node", run.skipped);
		}
		return attempts.plus(new RunResult(0, 0, 0, reminders, ended));
	}

	/**
	 * The jobs of one run, each on its own: a job that fails (a row it cannot record, the database gone for a moment)
	 * is logged and the run goes on with the jobs that do not depend on it, the reconciliation of pending money
	 * records above all; the next run tries it again. The first job that failed is kept: renewal attempts wait for
	 * every job before them. Once the node begins to stop, no further job starts (one that has is left to end): they are
	 * named in {@code skipped}, and the run stays stopped even should the node start again meanwhile (a pause ended), so
	 * that renewal attempts never run after a job before them was cut short.
	 */
	private static final class Run {

		private final java.util.function.BooleanSupplier nodeStopping;

		private @org.jspecify.annotations.Nullable String failed;

		private boolean stopped;

		private final java.util.List<String> skipped = new java.util.ArrayList<>();

		Run(java.util.function.BooleanSupplier nodeStopping) {
			this.nodeStopping = nodeStopping;
		}

		/** Whether the node has begun to stop during this run (or before it). */
		boolean stopping() {
			stopped = stopped || nodeStopping.getAsBoolean();
			return stopped;
		}

		<T> T job(String job, java.util.function.Supplier<T> work, T failedAnswer) {
			if (stopping()) {
				skipped.add(job);
				return failedAnswer;
			}
			try {
				return work.get();
			}
			catch (RuntimeException e) {
				log.error("The job '{}' failed; the jobs of this run that do not depend on it go on, and the next run "
						+ "tries it again", job, e);
				if (failed == null) {
					failed = job;
				}
				return failedAnswer;
			}
		}

		void job(String job, Runnable work) {
			job(job, () -> {
				work.run();
				return null;
			}, null);
		}
	}

	/**
	 * Advances the test clock as if time passed through every instant up to {@code now + duration}: each job
	 * runs, and its records are stamped, at its own due instant, including jobs that become due during the
	 * advance.
	 */
	public Instant advance(Duration duration) {
		if (!clock.enabled()) {
			throw SubdeskException.notFound("Path", "/test-clock/advance");
		}
		advancing.lock();
		try {
			Instant target = clock.instant().plus(duration);
			runUpTo(clock.instant());
			Instant previous = Instant.MIN;
			int spins = 0;
			// a node that has begun to stop runs no job: the advance does not spin on work it leaves due
			while (!engine.stopping()) {
				Optional<Instant> next = nextDue();
				if (next.isEmpty() || next.get().isAfter(target)) {
					break;
				}
				// Work that stays due at the same instant (a lost gateway answer, a lease of a crashed node) is
				// retried a few times, then left for the scheduler instead of spinning here.
				spins = next.get().equals(previous) ? spins + 1 : 0;
				if (spins > 20) {
					break;
				}
				previous = next.get();
				clock.moveTo(next.get());
				runUpTo(next.get());
			}
			clock.moveTo(target);
			runUpTo(target);
			return clock.instant();
		}
		finally {
			advancing.unlock();
		}
	}

	private Optional<Instant> nextDue() {
		return earliest(earliest(scheduledEnds.nextDue(), priceChanges.nextNoticeDue()),
				earliest(queue.nextDue(), engine.nextPreBillingNoticeDue()));
	}

	/** The scheduler's tick. */
	@Scheduled(fixedDelayString = "${subdesk.jobs.interval:PT1M}", initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void tick() {
		if (advancing.isLocked()) {
			return;
		}
		try {
			RunResult result = runDue();
			if (!result.equals(RunResult.NOTHING)) {
				log.info("Scheduled run: {}", result);
			}
		}
		catch (RuntimeException e) {
			log.warn("Scheduled run failed; the next tick retries", e);
		}
	}

	private static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
		return a.isEmpty() ? b : b.isEmpty() || a.get().isBefore(b.get()) ? a : b;
	}
}
