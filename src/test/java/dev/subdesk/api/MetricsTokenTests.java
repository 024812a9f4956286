package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The metrics token's own rules; what it opens is in {@code PrometheusMetricsIntegrationTests}. */
class MetricsTokenTests {

	private static final String API_KEY = "an-api-key-long-enough-for-production";

	@Test
	void aMetricsTokenThatIsTheApiKeyOrShortIsRefusedAtStart() {
		assertThatThrownBy(() -> new MetricsToken(API_KEY, API_KEY)).hasMessageContaining("is the API key");
		assertThatThrownBy(() -> new MetricsToken("short-token", API_KEY)).hasMessageContaining("too short");
		assertThat(new MetricsToken("", API_KEY).matches("Bearer ")).as("unset opens nothing").isFalse();
	}

	@Test
	void theTokenMatchesInAnyLetterCaseOfTheSchemeAndNothingElse() {
		MetricsToken token = new MetricsToken("mt_0123456789abcdefghijklmn", API_KEY);
		assertThat(token.matches("Bearer mt_0123456789abcdefghijklmn")).isTrue();
		assertThat(token.matches("bearer mt_0123456789abcdefghijklmn")).isTrue();
		assertThat(token.matches("Bearer mt_0123456789abcdefghijklmN")).isFalse();
		assertThat(token.matches("Basic mt_0123456789abcdefghijklmn")).isFalse();
		assertThat(token.matches(null)).isFalse();
	}
}
