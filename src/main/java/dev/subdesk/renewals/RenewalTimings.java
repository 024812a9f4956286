package dev.subdesk.renewals;

import java.util.concurrent.atomic.LongAdder;

/** Where the renewal engine spends its time: database work, gateway calls, composing and storing notices. */
public final class RenewalTimings {

	private final LongAdder databaseNanos = new LongAdder();
	private final LongAdder gatewayNanos = new LongAdder();
	private final LongAdder noticeNanos = new LongAdder();

	public record Snapshot(long databaseMillis, long gatewayMillis, long noticeMillis) {
	}

	void database(long nanos) {
		databaseNanos.add(nanos);
	}

	void gateway(long nanos) {
		gatewayNanos.add(nanos);
	}

	void notices(long nanos) {
		noticeNanos.add(nanos);
	}

	public Snapshot snapshot() {
		return new Snapshot(databaseNanos.sum() / 1_000_000, gatewayNanos.sum() / 1_000_000, noticeNanos.sum() / 1_000_000);
	}

	public void reset() {
		databaseNanos.reset();
		gatewayNanos.reset();
		noticeNanos.reset();
	}
}
