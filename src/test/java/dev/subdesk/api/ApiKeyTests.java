package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The configured API key is compared as the presented one is, trimmed: a key read from a secret file ends with a line
 * break, and every request with the right key must not be refused for it.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiKeyTests {

	@Test
	void aShortKeyInProductionIsWarnedAboutAndALongOneIsNot(CapturedOutput output) {
		new ApiKey("short-key\n", false);
		assertThat(output.getOut()).contains("SUBDESK_API_KEY has 9 characters: use a random secret of at least 24");
		int warned = output.getOut().length();
		new ApiKey("sk_live_0123456789abcdef", false);
		assertThat(output.getOut().substring(warned)).doesNotContain("SUBDESK_API_KEY has");
	}

	@Test
	void aConfiguredKeyWithALineBreakAcceptsTheKeyAndNothingElse() {
		ApiKey key = new ApiKey("sk_live_0123456789abcdef\n", false);

		assertThat(key.verify("Bearer sk_live_0123456789abcdef")).isPresent();
		assertThat(key.verify("bearer  sk_live_0123456789abcdef ")).isPresent();
		assertThat(key.verify("Bearer sk_live_0123456789abcdeg")).isEmpty();
		assertThat(key.verify("Bearer ")).isEmpty();
		assertThat(key.verify(null)).isEmpty();
	}

	@Test
	void aKeyOfOnlyWhitespaceIsNoKeyInProduction() {
		assertThatThrownBy(() -> new ApiKey(" \n", false)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("SUBDESK_API_KEY is not set");
	}
}
