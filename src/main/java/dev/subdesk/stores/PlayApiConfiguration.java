package dev.subdesk.stores;

import dev.subdesk.clock.WallClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.io.DefaultResourceLoader;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real Play Developer API replaces the sandbox once a service account key is configured
 * ({@code subdesk.stores.google.api.service-account-key}: where the key file is, {@code file:} or {@code classpath:}).
 * It also serves the Voided Purchases API ({@link PlayVoidedPurchasesApi}), which the sandbox does not: without a key,
 * {@link VoidedPurchases} does nothing.
 */
@Configuration(proxyBeanMethods = false)
class PlayApiConfiguration {

	@Bean
	@Primary
	@ConditionalOnProperty("subdesk.stores.google.api.service-account-key")
	GooglePlayDeveloperApi googlePlayDeveloperApi(StoresProperties properties, JsonMapper json,
			WallClock wallClock) {
		StoresProperties.Google.Api api = java.util.Objects.requireNonNull(properties.google()).api();
		String location = java.util.Objects.requireNonNull(api).serviceAccountKey();
		String keyFile;
		try (InputStream in = new DefaultResourceLoader().getResource(location).getInputStream()) {
			keyFile = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new IllegalStateException("subdesk.stores.google.api.service-account-key: cannot read " + location, e);
		}
		GooglePlayDeveloperApi.ServiceAccountKey key;
		try {
			key = GooglePlayDeveloperApi.ServiceAccountKey.parse(keyFile, json);
		}
		catch (IllegalArgumentException e) {
			throw new IllegalStateException("subdesk.stores.google.api.service-account-key: " + e.getMessage(), e);
		}
		URI base = URI.create(api.baseUrl() == null ? "https://androidpublisher.googleapis.com" : api.baseUrl());
		Duration timeout = api.timeout() == null ? Duration.ofSeconds(10) : api.timeout();
		return new GooglePlayDeveloperApi(key, base, timeout, json, wallClock);
	}
}
