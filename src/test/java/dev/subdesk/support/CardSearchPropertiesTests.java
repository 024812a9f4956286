package dev.subdesk.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code subdesk.console.card-searches.per-hour}: 30 unless configured, and a positive number or no start. */
class CardSearchPropertiesTests {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(CardSearchProperties.class)
	static class Bound {
	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bound.class);

	@Test
	void thirtyAnHourUnlessConfigured() {
		runner.run(context -> assertThat(context.getBean(CardSearchProperties.class).perHour()).isEqualTo(30));
		runner.withPropertyValues("subdesk.console.card-searches.per-hour=5")
			.run(context -> assertThat(context.getBean(CardSearchProperties.class).perHour()).isEqualTo(5));
	}

	@Test
	void aNumberUnderOneIsRefusedAtStart() {
		for (String value : new String[] { "0", "-1" }) {
			runner.withPropertyValues("subdesk.console.card-searches.per-hour=" + value)
				.run(context -> assertThat(context).hasFailed()
					.getFailure().rootCause().hasMessageContaining("subdesk.console.card-searches.per-hour must be at least 1"));
		}
	}
}
