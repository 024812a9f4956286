package dev.subdesk.clock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The application clock: real time plus an offset that only the test clock moves. Instants have
 * whole-second resolution, the resolution of every timestamp in the public API.
 */
public final class TestClock extends Clock {

	private final Clock base;
	private final boolean enabled;
	private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

	public TestClock(Clock base, boolean enabled) {
		this.base = base;
		this.enabled = enabled;
	}

	/** Whether the test clock may be moved (demo and test mode). */
	public boolean enabled() {
		return enabled;
	}

	@Override
	public Instant instant() {
		return base.instant().plus(offset.get()).truncatedTo(ChronoUnit.SECONDS);
	}

	/**
	 * Moves the clock forward so that it reads {@code target} now (never backwards).
	 */
	public void moveTo(Instant target) {
		if (!enabled) {
			throw new IllegalStateException("The test clock is disabled");
		}
		offset.updateAndGet(current -> {
			Duration wanted = Duration.between(base.instant(), target);
			return wanted.compareTo(current) > 0 ? wanted : current;
		});
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException("Subdesk time is UTC");
	}
}
