package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * Behind a reverse proxy ({@code SUBDESK_FORWARD_HEADERS=native}, {@code SUBDESK_TRUSTED_PROXIES} naming it), the
 * client address is the one the proxy reports in {@code X-Forwarded-For}; a connection from any other address
 * still counts as its own socket address, whatever header it sends. Its own application (closed afterwards).
 */
@SubdeskIntegrationTest
@TestPropertySource(properties = { "SUBDESK_FORWARD_HEADERS=native", "SUBDESK_TRUSTED_PROXIES=127\\\\.0\\\\.0\\\\.1" })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class TrustedProxyClientAddressIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Test
	void theTrustedProxysForwardedForIsTheClientAddress() {
		String username = ClientAddressIntegrationTests.failSignIn(port, "127.0.0.1", "203.0.113.9");

		assertThat(ClientAddressIntegrationTests.addressesCounted(jdbc, username)).isEqualTo("203.0.113.9");
	}

	@Test
	void aConnectionFromAnUntrustedAddressKeepsItsOwnAddress() {
		String username = ClientAddressIntegrationTests.failSignIn(port, "127.0.0.2", "203.0.113.9");

		assertThat(ClientAddressIntegrationTests.addressesCounted(jdbc, username)).isEqualTo("127.0.0.2");
	}
}
