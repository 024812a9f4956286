package dev.subdesk.clock;

import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClockConfiguration {

	/**
	 * The clock bean. The test clock is on when {@code SUBDESK_TEST_CLOCK=true}, or by default in demo mode
	 * (no {@code SUBDESK_DB_URL}).
	 */
	@Bean
	TestClock clock(@Value("${subdesk.clock.test-clock:}") String testClock, @Value("${subdesk.db-url:}") String dbUrl) {
		boolean enabled = testClock.isBlank() ? dbUrl.isBlank() : Boolean.parseBoolean(testClock);
		return new TestClock(Clock.systemUTC(), enabled);
	}
}
