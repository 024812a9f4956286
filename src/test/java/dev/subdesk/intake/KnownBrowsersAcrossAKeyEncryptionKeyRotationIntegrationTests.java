package dev.subdesk.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A known-browser cookie made before a rotation of the key-encryption key still marks its browser while the old key
 * is listed as previous; when the browser signs in again it gets a cookie under the new key, which holds once the old
 * key is dropped (and the old cookie no longer does).
 */
@SubdeskIntegrationTest
class KnownBrowsersAcrossAKeyEncryptionKeyRotationIntegrationTests {

	private static final String OLD = Base64.getEncoder()
		.encodeToString("the old key-encryption key, 32 b".getBytes(StandardCharsets.US_ASCII));
	private static final String NEW = Base64.getEncoder()
		.encodeToString("the new key-encryption key, 32 b".getBytes(StandardCharsets.US_ASCII));

	@Autowired
	JdbcClient jdbc;

	@Test
	void aCookieOfThePreviousKeyHoldsWhileItIsListedAndIsRemadeUnderTheNewOne() {
		String email = "rotation@example.com";
		String account = "acct_ROTATION0000001";
		KnownBrowsers before = new KnownBrowsers(new KeyEncryptionKey(OLD, ""), jdbc);
		KnownBrowsers rotated = new KnownBrowsers(new KeyEncryptionKey(NEW, OLD, ""), jdbc);
		KnownBrowsers after = new KnownBrowsers(new KeyEncryptionKey(NEW, ""), jdbc);
		String old = before.remember(email, account, List.of());
		String browser = old.split("\\.")[0];

		assertThat(rotated.browserFor(email, account, List.of(old))).contains(browser);
		assertThat(rotated.browserFor(email, "acct_ROTATION0000002", List.of(old))).isEmpty();
		String remade = rotated.remember(email, account, List.of(old));
		assertThat(remade.split("\\.")).as("the same browser, its id and this email tagged anew, once").hasSize(3)
			.startsWith(browser)
			.doesNotContain(old.split("\\.")[1], old.split("\\.")[2]);

		assertThat(after.browserFor(email, account, List.of(remade))).contains(browser);
		assertThat(after.browserFor(email, account, List.of(old))).as("the previous key dropped").isEmpty();
		assertThat(after.remember(email, account, List.of(remade))).isEqualTo(remade);
	}
}
