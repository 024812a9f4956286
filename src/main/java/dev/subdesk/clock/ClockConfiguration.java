package dev.subdesk.clock;

import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClockConfiguration {

	/** Real time: the base of the clock bean and of the {@link WallClock}, read nowhere else. */
	private static final Clock SYSTEM = Clock.systemUTC();

	/**
	 * The clock bean. The test clock is on when {@code SUBDESK_TEST_CLOCK=true}, or by default in demo mode
	 * ({@code subdesk.demo-mode}; production mode refuses to start with it on).
	 */
	@Bean
	TestClock clock(@Value("${subdesk.clock.test-clock:}") String testClock,
			@Value("${subdesk.demo-mode:false}") boolean demoMode) {
		boolean enabled = testClock.isBlank() ? demoMode : Boolean.parseBoolean(testClock);
		return new TestClock(SYSTEM, enabled);
	}

	/**
	 * Real time for what another party checks against its own clock (a service account's assertion to an external
	 * OAuth server), never moved by the test clock; see {@link WallClock}.
	 */
	@Bean
	WallClock wallClock() {
		return new WallClock(SYSTEM);
	}
}
