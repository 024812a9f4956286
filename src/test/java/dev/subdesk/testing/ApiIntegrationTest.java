package dev.subdesk.testing;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Base of the tests that call the public API over HTTP: the shared application (see
 * {@link SubdeskIntegrationTest}), a client with the test API key, and the fixtures.
 */
@SubdeskIntegrationTest
public abstract class ApiIntegrationTest {

	@LocalServerPort
	protected int port;

	protected Api api;

	protected Fixtures fixtures;

	@Autowired
	private org.springframework.jdbc.core.simple.JdbcClient database;

	@BeforeEach
	void connect() {
		Mailbox.register(port, database);
		api = new Api(port);
		fixtures = new Fixtures(api);
	}
}
