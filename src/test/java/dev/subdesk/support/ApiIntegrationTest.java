package dev.subdesk.support;

import org.junit.jupiter.api.BeforeEach;
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

	@BeforeEach
	void connect() {
		api = new Api(port);
		fixtures = new Fixtures(api);
	}
}
