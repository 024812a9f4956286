package dev.subdesk.stores;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The Play Developer API for an integration test's server: {@link FakeGoogleApis} on a local port, a service account
 * key file for it, and the properties that point the server at both. One a test class, in a static field, as its
 * server's context is made for it:
 *
 * <pre>{@code
 * @AutoClose
 * private static final PlayDeveloperApiFixture PLAY = PlayDeveloperApiFixture.start();
 *
 * @DynamicPropertySource
 * static void playDeveloperApi(DynamicPropertyRegistry registry) {
 * 	PLAY.configure(registry);
 * }
 * }</pre>
 */
final class PlayDeveloperApiFixture implements AutoCloseable {

	/** The app's package name on Google Play, as the sandbox and the notices of the tests name it. */
	static final String PACKAGE = "example.acme.app";

	private final FakeGoogleApis google;

	private final Path keyFile;

	private PlayDeveloperApiFixture(FakeGoogleApis google, Path keyFile) {
		this.google = google;
		this.keyFile = keyFile;
	}

	/** Starts Google's endpoints and writes the service account key file that points at them. */
	static PlayDeveloperApiFixture start() {
		try {
			FakeGoogleApis google = new FakeGoogleApis();
			return new PlayDeveloperApiFixture(google, google.writeKeyFile(Files.createTempDirectory("play-key")));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** Google's endpoints: the purchases they answer, what they were asked, and how they fail. */
	FakeGoogleApis google() {
		return google;
	}

	/** Points the server at Google's endpoints here, with the key file: for the test class's {@code @DynamicPropertySource}. */
	void configure(DynamicPropertyRegistry registry) {
		configure(registry, "PT5S");
	}

	/** As {@link #configure(DynamicPropertyRegistry)}, with the calls' {@code timeout} (a held call waits that long). */
	void configure(DynamicPropertyRegistry registry, String timeout) {
		registry.add("subdesk.stores.google.api.service-account-key", () -> keyFile.toUri().toString());
		registry.add("subdesk.stores.google.api.base-url", () -> google.base().toString());
		registry.add("subdesk.stores.google.api.timeout", () -> timeout);
	}

	/**
	 * What the Play Developer API answers for an active, auto-renewing {@code antivirus-monthly} purchase from
	 * {@code start} to {@code expiry}, linked to the account whose store account token is {@code link}: the answer
	 * of {@link GooglePlayDeveloperApiTests#PURCHASE} with these.
	 */
	static String purchase(String link, Instant start, Instant expiry) {
		return GooglePlayDeveloperApiTests.PURCHASE
			.replace("2026-11-03T09:59:00.123Z", start.toString())
			.replace("2026-12-03T09:59:00.123Z", expiry.toString())
			.replace("0f0c6a4e-1111-4d2a-9c3b-2a6b1c2d3e4f", link)
			.replace("example.acme.antivirus.monthly", "antivirus-monthly");
	}

	/** Stops Google's endpoints and deletes the key file. */
	@Override
	public void close() throws IOException {
		google.close();
		Files.deleteIfExists(keyFile);
	}
}
