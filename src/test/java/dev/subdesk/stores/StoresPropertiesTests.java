package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * The addresses the stores module fetches keys from or sends its credentials to ({@code subdesk.stores.*}): an
 * {@code https://} address, or an {@code http://} one only to this machine's loopback (a local test server); a key
 * or certificate location may also be {@code classpath:} or {@code file:}. Anything else stops the start, naming the
 * property: on plain HTTP across a network, whoever is on the path could serve their own keys (and forge pushes) or
 * read the credentials.
 */
class StoresPropertiesTests {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(StoresProperties.class)
	static class Bound {
	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bound.class);

	/** Addresses off this machine over plain HTTP, or that only look like the loopback, or other schemes. */
	private static final List<String> REFUSED = List.of("http://keys.example.test/oauth2/v3/certs",
			"HTTP://keys.example.test/certs", "http://127.0.0.1.example.test/certs", "http://localhost.example.test/certs",
			"http://127.0.0.1@keys.example.test/certs", "http://10.0.0.7/certs", "ftp://keys.example.test/certs",
			"jar:http://keys.example.test/keys.jar!/certs.json", "https:///certs");

	private void assertRefused(String property, String value) {
		runner.withPropertyValues(property + "=" + value)
			.run(context -> assertThat(context).as(property + "=" + value)
				.hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining(property + " must be an https:// address"));
	}

	private void assertAccepted(String property, String value) {
		runner.withPropertyValues(property + "=" + value)
			.run(context -> assertThat(context).as(property + "=" + value).hasNotFailed());
	}

	@Test
	void aJwksAddressOverPlainHttpOffThisMachineStopsTheStart() {
		for (String address : REFUSED) {
			assertRefused("subdesk.stores.google.jwks-uri", address);
		}
	}

	@Test
	void aJwksAddressOverHttpsOrPlainHttpToTheLoopbackOrAKeyFileIsAccepted() {
		for (String address : List.of("https://www.googleapis.com/oauth2/v3/certs", "http://127.0.0.1:8089/certs",
				"http://[::1]:8089/certs", "http://localhost:8089/certs", "http://LOCALHOST/certs",
				"classpath:stores/test-google-jwks.json", "file:/etc/subdesk/google-jwks.json")) {
			assertAccepted("subdesk.stores.google.jwks-uri", address);
		}
		runner.run(context -> assertThat(context).hasNotFailed());
	}

	@Test
	void theStoreApiAddressesTheCredentialsGoToFollowTheSameRule() {
		for (String property : List.of("subdesk.stores.apple.api.base-url", "subdesk.stores.google.api.base-url")) {
			String key = property.startsWith("subdesk.stores.apple") ? "subdesk.stores.apple.api.private-key"
					: "subdesk.stores.google.api.service-account-key";
			for (String address : REFUSED) {
				runner.withPropertyValues(key + "=file:/etc/subdesk/key", property + "=" + address)
					.run(context -> assertThat(context).as(property + "=" + address)
						.hasFailed()
						.getFailure()
						.rootCause()
						.hasMessageContaining(property + " must be an https:// address"));
			}
			// a key file is read, not an address the API is called at
			assertRefused(property, "file:/etc/subdesk/api");
			for (String address : List.of("https://api.storekit.itunes.apple.com", "http://127.0.0.1:8089",
					"http://[::1]:8089", "http://localhost:8089")) {
				assertAccepted(property, address);
			}
		}
	}

	@Test
	void theKeyAndCertificateLocationsFollowTheSameRule() {
		for (String property : List.of("subdesk.stores.apple.root-certificates", "subdesk.stores.apple.api.private-key",
				"subdesk.stores.google.api.service-account-key")) {
			for (String address : REFUSED) {
				assertRefused(property, address);
			}
			for (String address : List.of("classpath:stores/test-apple-root.pem", "file:/etc/subdesk/key.pem",
					"https://keys.example.test/key.pem", "http://127.0.0.1:8089/key.pem")) {
				assertAccepted(property, address);
			}
		}
	}
}
