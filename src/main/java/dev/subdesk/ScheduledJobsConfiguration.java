package dev.subdesk;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.task.ThreadPoolTaskSchedulerCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * The scheduler of the {@code @Scheduled} jobs (renewals, store lookups, re-sealing, the retention sweeps, the audit
 * sealer, Spring Session's cleanup): Spring Boot's {@code taskScheduler}, set by {@code spring.task.scheduling.*} in
 * application.properties. It has a thread per job, up to {@code pool.size}, so that a long job holds no other; and on
 * shutdown it lets the jobs in hand end, not interrupted, waiting for them up to
 * {@code shutdown.await-termination-period}.
 * <p>
 * Spring does that wait when it destroys the scheduler, and the order in which beans are destroyed would then decide
 * whether what a job uses (the pool of connections, the renewal workers, the billing's settler) is still there:
 * nothing ties the scheduler to them. So the wait is made by {@link Stop}, while the context stops its lifecycle
 * beans, before any bean is destroyed.
 */
@Configuration(proxyBeanMethods = false)
class ScheduledJobsConfiguration {

	/**
	 * A run that was only due (the next of a cron job, Spring Session's cleanup each minute) does not start once the
	 * scheduler shuts down: without this, the stop waited for it, up to a minute.
	 */
	@Bean
	static ThreadPoolTaskSchedulerCustomizer noDelayedRunAfterShutdown() {
		return scheduler -> scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
	}

	@Bean
	static Stop scheduledJobsStop(ObjectProvider<ThreadPoolTaskScheduler> scheduler,
			ConfigurableApplicationContext context) {
		return new Stop(scheduler, context);
	}

	/**
	 * Ends the jobs when the context closes, before anything they use is closed: in the phase of Spring's executors,
	 * after the web server has stopped taking requests (the audit sealer still seals what they wrote) and after
	 * {@code StoreLookups} was told to ask no more (its run in hand then gives back what it did not get to, and ends)
	 * and the {@code RenewalEngine} to claim no other batch (its run in hand records the batch it holds, and ends).
	 * A stop of the context that is not its close (a pause) leaves the scheduler as Spring pauses it; its destruction
	 * afterwards finds nothing left to wait for.
	 */
	static final class Stop implements SmartLifecycle {

		private final ObjectProvider<ThreadPoolTaskScheduler> scheduler;

		private final ConfigurableApplicationContext context;

		private volatile boolean running;

		Stop(ObjectProvider<ThreadPoolTaskScheduler> scheduler, ConfigurableApplicationContext context) {
			this.scheduler = scheduler;
			this.context = context;
		}

		@Override
		public void start() {
			running = true;
		}

		/**
		 * On the context's close: no job starts any more, and this waits for those in hand to end, up to the
		 * scheduler's await-termination period; one still running then is interrupted.
		 */
		@Override
		public void stop() {
			running = false;
			@Nullable ThreadPoolTaskScheduler jobs = scheduler.getIfUnique();
			if (jobs == null || !context.isClosed()) {
				return;
			}
			jobs.shutdown();
			if (!jobs.getScheduledExecutor().isTerminated()) {
				// the period is over (Spring logged it): a job still running is interrupted, as a stop did before (a
				// store lookup run and the renewal workers then end), and the scheduler's destruction waits no second
				// period for it
				jobs.getScheduledExecutor().shutdownNow();
				jobs.setAwaitTerminationMillis(0);
			}
		}

		@Override
		public boolean isRunning() {
			return running;
		}

		/** The phase of Spring's executors: after the web server and the application's own lifecycle beans. */
		@Override
		public int getPhase() {
			return ExecutorConfigurationSupport.DEFAULT_PHASE;
		}
	}
}
