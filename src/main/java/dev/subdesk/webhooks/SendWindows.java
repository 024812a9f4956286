package dev.subdesk.webhooks;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many attempts one node may have in flight to each endpoint: a window that opens by one with every success, up
 * to {@code per-endpoint}, and halves with every failure, down to one (additive increase, multiplicative decrease,
 * as TCP does with its congestion window). A new endpoint starts at {@link #INITIAL}. So a receiver that keeps up
 * gets enough attempts at once to take a renewal run's burst (deliveries per second are about the window divided by
 * the time one claim, send and record take), and one that fails or times out is soon tried one attempt at a time.
 */
final class SendWindows {

	/** The window of an endpoint this node has not sent to yet (or not since it started). */
	static final int INITIAL = 16;

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

	void succeeded(String endpointId) {
		window(endpointId).updateAndGet(n -> Math.min(most, n + 1));
	}

	void failed(String endpointId) {
		window(endpointId).updateAndGet(n -> Math.max(1, n / 2));
	}

	private AtomicInteger window(String endpointId) {
		return windows.computeIfAbsent(endpointId, id -> new AtomicInteger(initial()));
	}
}
