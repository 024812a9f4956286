package dev.subdesk.webhooks;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What the webhook benchmark's receiver took: how many requests, and when the last one came in
 * ({@link System#nanoTime}). A waiter is woken once the count it waits for is reached, not at every request.
 */
final class Arrivals {

	private long count;

	private long lastAt;

	private long awaited = Long.MAX_VALUE;

	/** One request read whole. */
	synchronized void arrived() {
		this.count++;
		this.lastAt = System.nanoTime();
		if (this.count >= this.awaited) {
			notifyAll();
		}
	}

	synchronized long count() {
		return this.count;
	}

	synchronized long lastAt() {
		return this.lastAt;
	}

	/** Waits until {@code wanted} requests have arrived, or {@code atMost} has passed. */
	synchronized void await(long wanted, Duration atMost) throws InterruptedException {
		long deadline = System.nanoTime() + atMost.toNanos();
		this.awaited = wanted;
		try {
			while (this.count < wanted) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return;
				}
				TimeUnit.NANOSECONDS.timedWait(this, left);
			}
		}
		finally {
			this.awaited = Long.MAX_VALUE;
		}
	}
}
