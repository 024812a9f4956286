package dev.subdesk.billing;

import dev.subdesk.clock.TestClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A test-only switch that kills the process right after a gateway call and before its outcome is recorded, the
 * way a power cut or {@code kill -9} would, to prove the sweep reconciles what it leaves (DESIGN invariant 11).
 * It is armed only when the property {@code subdesk.testing.crash-after-gateway} names a point ({@code refund} or
 * {@code purchase}) and the test clock is on; production sets neither.
 */
@Component
class CrashAfterGateway {

	private static final Logger log = LoggerFactory.getLogger(CrashAfterGateway.class);

	private final String point;

	CrashAfterGateway(@Value("${subdesk.testing.crash-after-gateway:}") String point, TestClock clock) {
		this.point = clock.enabled() ? point.strip() : "";
		if (!this.point.isEmpty()) {
			log.error("TEST SWITCH ARMED: the process halts after the first {} gateway call", this.point);
		}
		else if (!point.isBlank()) {
			log.error("subdesk.testing.crash-after-gateway is ignored: the test clock is off");
		}
	}

	/** Halts the process at once (no shutdown hooks, no commit) when armed for this point. */
	void reached(String at) {
		if (point.equals(at)) {
			log.error("CRASHING after the {} gateway call (subdesk.testing.crash-after-gateway)", at);
			Runtime.getRuntime().halt(137);
		}
	}
}
