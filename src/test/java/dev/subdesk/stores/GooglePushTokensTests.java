package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.subdesk.shared.SubdeskException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Google's keys fetched from a JWK Set address over plain HTTP on this machine's loopback, as a test's local key
 * server serves them ({@code subdesk.stores.google.jwks-uri}; off the loopback only {@code https://} is accepted,
 * {@link StoresPropertiesTests}).
 */
class GooglePushTokensTests {

	private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

	private HttpServer keys;
	private final AtomicInteger served = new AtomicInteger();

	@BeforeEach
	void start() throws Exception {
		byte[] jwks;
		try (InputStream in = getClass().getClassLoader().getResourceAsStream("stores/test-google-jwks.json")) {
			jwks = in.readAllBytes();
		}
		keys = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		keys.createContext("/oauth2/v3/certs", exchange -> {
			served.incrementAndGet();
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, jwks.length);
			exchange.getResponseBody().write(jwks);
			exchange.close();
		});
		keys.start();
	}

	@AfterEach
	void stop() {
		keys.stop(0);
	}

	private GooglePushTokens tokens(String host) {
		String address = "http://" + host + ":" + keys.getAddress().getPort() + "/oauth2/v3/certs";
		return new GooglePushTokens(new StoresProperties(null, null, new StoresProperties.Google(address,
				GooglePushSigner.AUDIENCE, GooglePushSigner.SERVICE_ACCOUNT, "example.acme.app", null)),
				Clock.fixed(NOW, ZoneOffset.UTC));
	}

	@Test
	void aPushSignedWithAKeyTheLoopbackKeyServerServesVerifies() {
		GooglePushTokens tokens = tokens("127.0.0.1");
		assertThatCode(() -> tokens.verify("Bearer " + GooglePushSigner.trusted().sign(GooglePushSigner.claims(NOW).build())))
			.doesNotThrowAnyException();
		assertThatThrownBy(
				() -> tokens.verify("Bearer " + GooglePushSigner.stranger().sign(GooglePushSigner.claims(NOW).build())))
			.isInstanceOfSatisfying(SubdeskException.class, e -> assertThat(e.status()).isEqualTo(401));
		assertThat(served).hasPositiveValue();
	}
}
