package dev.subdesk.stores;

import dev.subdesk.clock.WallClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;
import tools.jackson.databind.json.JsonMapper;

/**
 * The App Store Server API client, once its key is configured ({@code subdesk.stores.apple.api.private-key}: where the
 * In-App Purchase key's {@code .p8} file is, {@code file:} or {@code classpath:}, with {@code key-id} and
 * {@code issuer-id}). Without it there is no client, and App Store purchases are not looked up ({@link StoreLookups}).
 * A key that is configured but cannot be read or used stops the start, as the Play API's does.
 */
@Configuration(proxyBeanMethods = false)
class AppStoreApiConfiguration {

	private static final String PREFIX = "subdesk.stores.apple.api.";

	@Bean
	@ConditionalOnProperty(PREFIX + "private-key")
	AppStoreServerApi appStoreServerApi(StoresProperties properties, JsonMapper json, WallClock wallClock) {
		StoresProperties.Apple apple = Objects.requireNonNull(properties.apple());
		StoresProperties.Apple.Api api = Objects.requireNonNull(apple.api());
		String keyId = required(api.keyId(), "key-id");
		String issuerId = required(api.issuerId(), "issuer-id");
		String bundleId = apple.bundleId();
		if (bundleId == null || bundleId.isBlank()) {
			throw new IllegalStateException(PREFIX + "private-key needs subdesk.stores.apple.bundle-id");
		}
		String location = api.privateKey();
		String pem;
		try (InputStream in = new DefaultResourceLoader().getResource(location).getInputStream()) {
			pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
		}
		catch (IOException e) {
			throw new IllegalStateException(PREFIX + "private-key: cannot read " + location, e);
		}
		java.security.interfaces.ECPrivateKey key;
		try {
			key = AppStoreServerApi.privateKey(pem);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalStateException(PREFIX + "private-key: " + e.getMessage(), e);
		}
		String base = api.baseUrl() != null && !api.baseUrl().isBlank() ? api.baseUrl()
				: "Sandbox".equals(apple.environmentOrDefault()) ? AppStoreServerApi.SANDBOX : AppStoreServerApi.PRODUCTION;
		Duration timeout = api.timeout() == null ? Duration.ofSeconds(10) : api.timeout();
		return new AppStoreServerApi(key, keyId, issuerId, bundleId, URI.create(base), timeout, json, wallClock);
	}

	private static String required(@org.jspecify.annotations.Nullable String value, String property) {
		if (value == null || value.isBlank()) {
			throw new IllegalStateException(PREFIX + "private-key needs " + PREFIX + property);
		}
		return value;
	}
}
