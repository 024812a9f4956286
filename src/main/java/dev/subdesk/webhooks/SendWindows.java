package dev.subdesk.webhooks;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many attempts one node may have in flight to each endpoint: a window that opens by one with every success
 * answered within {@link #QUICK}, up to {@code per-endpoint}, and halves with every failure, down to one (additive
 * increase, multiplicative decrease, as TCP does with its congestion window). A new endpoint starts at
 * {@link #INITIAL}. So a receiver that keeps up gets enough attempts at once to take a renewal run's burst
 * (deliveries per second are about the window divided by the time one claim, send and record take: behind a
 * 100,000-renewal run, 64 at once left the last delivery about 55 s after the run, 512 about 35 s); a receiver that
 * answers, but slowly, keeps the window it has rather than being sent ever more requests at once; and one that fails
 * or times out is soon tried one attempt at a time.
 */
final class SendWindows {

	/** The window of an endpoint this node has not sent to yet (or not since it started). */
	static final int INITIAL = 16;

	/** A success answered within this long widens the window; a slower one leaves it as it is. */
	static final Duration QUICK = Duration.ofMillis(500);

	private final int most;

	private final Map<String, AtomicInteger> windows = new ConcurrentHashMap<>();

	SendWindows(int most) {
		if (most < 1) {
			throw new IllegalArgumentException("subdesk.webhooks.per-endpoint must be at least 1");
		}
		this.most = most;
	}

	/** The window of an endpoint this node has not sent to yet. */
	int initial() {
		return Math.min(INITIAL, most);
	}

	/** How many attempts this node may have in flight to the endpoint now. */
	int of(String endpointId) {
		AtomicInteger window = windows.get(endpointId);
		return window == null ? initial() : window.get();
	}

	/** A success answered in {@code answeredIn}: widens the window by one if that was quick. */
	void succeeded(String endpointId, Duration answeredIn) {
		if (answeredIn.compareTo(QUICK) <= 0) {
			window(endpointId).updateAndGet(n -> Math.min(most, n + 1));
		}
	}

	void failed(String endpointId) {
		window(endpointId).updateAndGet(n -> Math.max(1, n / 2));
	}

	private AtomicInteger window(String endpointId) {
		return windows.computeIfAbsent(endpointId, id -> new AtomicInteger(initial()));
	}
}
