package dev.subdesk.billing;

import dev.subdesk.clock.TestClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A test-only switch that holds the process right after a gateway call, to be killed there, and before its outcome is recorded, the
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

	/**
	 * When armed for this point, stops the request here, before the outcome is recorded, and waits to be killed
	 * from outside ({@code kill -9}: the test sends SIGKILL once it reads the marker line); should nobody do so
	 * within two minutes, the process halts by itself (no shutdown hooks, no commit).
	 */
	void reached(String at) {
		if (point.equals(at)) {
			log.error("CRASH POINT {} reached after the gateway call: waiting for SIGKILL", at);
			try {
				Thread.sleep(java.time.Duration.ofMinutes(2));
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			Runtime.getRuntime().halt(137);
		}
	}
}
