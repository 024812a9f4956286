package dev.subdesk.stores;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.EntitlementVerifier;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a store-billed subscription's devices get, for tests (shared/API.md, Entitlements): a device on its seat, the
 * device's token checked with the published keys as a vendor would, and the account's entitlements.
 */
final class StoreEntitlements {

	private final Api vendor;

	StoreEntitlements(Api vendor) {
		this.vendor = vendor;
	}

	/** A new device of {@code account} on the seat of {@code subscription}. */
	String device(String account, String subscription) {
		Api.Response answer = vendor.post("/accounts/" + account + "/devices",
				Map.of("name", "Phone", "platform", "ANDROID", "subscriptionId", subscription));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
		return answer.id();
	}

	/** The {@code exp} of a new token for the device, verified with the published key set; it must be given. */
	Instant tokenExpiry(String device) {
		Api.Response answer = vendor.post("/devices/" + device + "/entitlement-token", Map.of());
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		Instant exp = new EntitlementVerifier(vendor.base()).verify(answer.text("token"))
			.orElseThrow()
			.claims()
			.getExpirationTime()
			.toInstant();
		assertThat(Instant.parse(answer.text("expiresAt"))).isEqualTo(exp);
		return exp;
	}

	/** A token for the device is refused: {@code 409 NOT_ENTITLED}. */
	void assertNoToken(String device) {
		Api.Response answer = vendor.post("/devices/" + device + "/entitlement-token", Map.of());
		assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
		assertThat(answer.code()).isEqualTo("NOT_ENTITLED");
	}

	/** The account's entitlements. */
	JsonNode of(String account) {
		Api.Response answer = vendor.get("/accounts/" + account + "/entitlements");
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return answer.json().path("data");
	}

	/** The {@code until} of the account's one covered subscription (every entry of it says the same). */
	Instant until(String account) {
		JsonNode data = of(account);
		assertThat(data.size()).as(data.toString()).isPositive();
		assertThat(data.values()).extracting(e -> e.path("until").asString()).containsOnly(data.get(0).path("until").asString());
		return Instant.parse(data.get(0).path("until").asString());
	}
}
