package dev.subdesk.clock;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Real time, which the test clock never moves: only for what another party checks against its own clock, never for
 * a business decision or a record. Its uses are the time in an assertion sent to an external token endpoint
 * (Google's OAuth server refuses a service account's JWT not issued around its own now), the lifetime of the access
 * token it answers, and the times of the JWT the App Store Server API takes (Apple checks them the same way). Everything Subdesk decides, stamps or shows takes its time from the {@link Clock} bean
 * ({@link TestClock}), as DESIGN.md invariant 7 says; this is deliberately not a {@link Clock}, so it can never be
 * injected where that one is meant.
 */
public final class WallClock {

	private final Clock real;

	public WallClock(Clock real) {
		this.real = real;
	}

	/** Now in real time, in whole seconds. */
	public Instant instant() {
		return real.instant().truncatedTo(ChronoUnit.SECONDS);
	}
}
