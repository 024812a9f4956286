package dev.subdesk.stores;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The App Store Server API for an integration test's server: {@link FakeAppStoreServerApi} on a local port, the
 * In-App Purchase key file for it, and the properties that point the server at it. One a test class, in a static
 * field, as its server's context is made for it (as {@link PlayDeveloperApiFixture}):
 *
 * <pre>{@code
 * @AutoClose
 * private static final AppStoreServerApiFixture APP_STORE = AppStoreServerApiFixture.start();
 *
 * @DynamicPropertySource
 * static void appStoreServerApi(DynamicPropertyRegistry registry) {
 * 	APP_STORE.configure(registry);
 * }
 * }</pre>
 */
final class AppStoreServerApiFixture implements AutoCloseable {

	private final FakeAppStoreServerApi apple;

	private final Path keyFile;

	private AppStoreServerApiFixture(FakeAppStoreServerApi apple, Path keyFile) {
		this.apple = apple;
		this.keyFile = keyFile;
	}

	/** Starts the App Store Server API and writes the key file the server signs its calls with. */
	static AppStoreServerApiFixture start() {
		try {
			FakeAppStoreServerApi apple = new FakeAppStoreServerApi();
			return new AppStoreServerApiFixture(apple, apple.writeKeyFile(Files.createTempDirectory("app-store-key")));
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The App Store Server API: the statuses it answers, what it was asked, and how it fails. */
	FakeAppStoreServerApi apple() {
		return apple;
	}

	/** Points the server at the API here, with the key: for the test class's {@code @DynamicPropertySource}. */
	void configure(DynamicPropertyRegistry registry) {
		registry.add("subdesk.stores.apple.api.private-key", () -> keyFile.toUri().toString());
		registry.add("subdesk.stores.apple.api.key-id", () -> FakeAppStoreServerApi.KEY_ID);
		registry.add("subdesk.stores.apple.api.issuer-id", () -> FakeAppStoreServerApi.ISSUER_ID);
		registry.add("subdesk.stores.apple.api.base-url", () -> apple.base().toString());
		registry.add("subdesk.stores.apple.api.timeout", () -> "PT2S");
	}

	/** Stops the API and deletes the key file. */
	@Override
	public void close() throws IOException {
		apple.close();
		Files.deleteIfExists(keyFile);
	}
}
