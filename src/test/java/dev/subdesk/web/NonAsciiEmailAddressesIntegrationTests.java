package dev.subdesk.web;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.text.Normalizer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@link NonAsciiEmailAddressScenarios} on the embedded PostgreSQL, the address typed decomposed (Unicode NFD: {@code e}
 * and a combining acute accent for {@code é}, as some keyboards and pasted text give it), in another letter case.
 */
@SubdeskIntegrationTest
class NonAsciiEmailAddressesIntegrationTests extends NonAsciiEmailAddressScenarios {

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Accounts accounts;

	@org.junit.jupiter.api.BeforeEach
	void registerMailbox() {
		dev.subdesk.testing.Mailbox.register(port, jdbc);
	}

	@Override
	int port() {
		return port;
	}

	@Override
	JdbcClient jdbc() {
		return jdbc;
	}

	@Override
	Accounts accounts() {
		return accounts;
	}

	@Override
	String typed(String lowerLocalUpperDomain) {
		return Normalizer.normalize(lowerLocalUpperDomain, Normalizer.Form.NFD);
	}
}
