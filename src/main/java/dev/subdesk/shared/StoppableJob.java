package dev.subdesk.shared;

import org.springframework.context.SmartLifecycle;

/**
 * A job that learns when the node begins to stop (its context closing, or paused): a run under way checks
 * {@link #stopping()} between its steps and takes no other, leaving the rest due for the next run, on any node. A stop
 * does not wait for the run (the scheduler's stop does, dev.subdesk.ScheduledJobsConfiguration); a start after it lets
 * runs work again.
 */
public abstract class StoppableJob implements SmartLifecycle {

	private volatile boolean stopping;

	private volatile boolean running;

	@Override
	public void start() {
		stopping = false;
		running = true;
	}

	@Override
	public void stop() {
		stopping = true;
		running = false;
	}

	@Override
	public boolean isRunning() {
		return running;
	}

	/** Whether the node has begun to stop ({@link #stop}, until a {@link #start}): a run under way takes no other step. */
	public boolean stopping() {
		return stopping;
	}
}
