package dev.subdesk.api;

import dev.subdesk.accounts.Accounts;
import dev.subdesk.devices.Devices;
import dev.subdesk.entitlements.Entitlement;
import dev.subdesk.entitlements.EntitlementKey;
import dev.subdesk.entitlements.EntitlementKeys;
import dev.subdesk.entitlements.EntitlementToken;
import dev.subdesk.entitlements.Entitlements;
import dev.subdesk.shared.SubdeskException;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * Entitlements (shared/API.md 1.1): what an account may use, a device's signed entitlement token, the public JWK Set
 * that verifies tokens, and (beyond the contract) the rotation of the signing key.
 */
@RestController
class EntitlementsController {

	private final Entitlements entitlements;
	private final EntitlementKeys keys;
	private final Accounts accounts;
	private final Devices devices;
	private final JsonMapper json;

	EntitlementsController(Entitlements entitlements, EntitlementKeys keys, Accounts accounts, Devices devices,
			JsonMapper json) {
		this.devices = devices;
		this.entitlements = entitlements;
		this.keys = keys;
		this.accounts = accounts;
		this.json = json;
	}

	record EntitlementView(String product, String subscriptionId, Instant until, int deviceLimit, long devicesInUse) {

		static EntitlementView of(Entitlement e) {
			return new EntitlementView(e.product(), e.subscriptionId(), e.until(), e.deviceLimit(), e.devicesInUse());
		}
	}

	record EntitlementsView(List<EntitlementView> data) {
	}

	record TokenView(String token, Instant expiresAt) {

		static TokenView of(EntitlementToken t) {
			return new TokenView(t.token(), t.expiresAt());
		}
	}

	/** An OKP public key as a JWK (RFC 7517, RFC 8037). */
	record Jwk(String kty, String crv, String x, String kid, String use, String alg) {

		static Jwk of(EntitlementKey key) {
			return new Jwk("OKP", "Ed25519", key.x(), key.kid(), "sig", "EdDSA");
		}
	}

	record JwkSet(List<Jwk> keys) {
	}

	/** The new signing key, and until when each retired key that still verifies tokens stays published. */
	record RotationView(Jwk signingKey, Instant signsFrom, List<RetiredKeyView> retiredKeys) {
	}

	record RetiredKeyView(String kid, @Nullable Instant retiredAt, @Nullable Instant publishedUntil) {
	}

	@GetMapping("/api/v1/accounts/{id}/entitlements")
	EntitlementsView entitlements(@PathVariable String id) {
		accounts.get(id);
		return new EntitlementsView(entitlements.forAccount(id).stream().map(EntitlementView::of).toList());
	}

	@PostMapping("/api/v1/devices/{id}/entitlement-token")
	TokenView token(@PathVariable String id, @RequestBody(required = false) @Nullable String raw) {
		JsonBody.parse(raw, json, () -> devices.findEvenIfRemoved(id)
			.orElseThrow(() -> SubdeskException.notFound("Device", id))).validate();
		return TokenView.of(entitlements.issueToken(id));
	}

	/** Public: the keys that verify every token not yet expired. Caches may keep it a few minutes. */
	@GetMapping("/api/v1/entitlement-keys")
	ResponseEntity<JwkSet> jwkSet() {
		return ResponseEntity.ok()
			.cacheControl(CacheControl.maxAge(EntitlementKeys.KEY_SET_MAX_AGE).cachePublic())
			.body(new JwkSet(keys.published().stream().map(Jwk::of).toList()));
	}

	/**
	 * Makes a new signing key (needs the API key): published now, it signs from {@code signsFrom}, once every copy of
	 * the JWK Set fetched before has expired; the key it replaces signs until then. {@code {"immediately": true}}
	 * makes it sign at once (a key that no longer opens): verifiers holding an older copy of the set then refuse new
	 * tokens until they fetch it again. Tokens signed before keep verifying: the retired key stays in the JWK Set until
	 * they have all expired. {@code {"revoke": true}} is for a key that leaked: the new key signs at once and every
	 * other key leaves the JWK Set now (the replaced one and those retired earlier but still published), so nothing
	 * they sign verifies once verifiers fetch the set again.
	 */
	@PostMapping("/api/v1/entitlement-keys/rotation")
	ResponseEntity<RotationView> rotate(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(java.util.Set.of("immediately", "revoke"));
		boolean immediately = Boolean.TRUE.equals(body.bool("immediately"));
		boolean revoke = Boolean.TRUE.equals(body.bool("revoke"));
		body.validate();
		EntitlementKey made = keys.rotate(immediately, revoke);
		List<RetiredKeyView> retired = keys.published()
			.stream()
			.filter(k -> k.retiredAt() != null)
			.map(k -> new RetiredKeyView(k.kid(), k.retiredAt(), k.publishedUntil()))
			.toList();
		return ResponseEntity.status(HttpStatus.CREATED).body(new RotationView(Jwk.of(made), made.signsFrom(), retired));
	}
}
