package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.subdesk.entitlements.EntitlementKeys;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.EntitlementVerifier.Verified;
import dev.subdesk.testing.EntitlementVerifier;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * shared/API.md, Entitlements (1.1): what an account may use, device tokens a vendor verifies offline with the
 * published JWK Set (checked here with the JDK's Ed25519, not the server's signer), who gets no token, key rotation,
 * and the signing key sealed at rest.
 */
class EntitlementsIntegrationTests extends ApiIntegrationTest {

	private static final Duration WEEK = Duration.ofDays(7);

	@Value("${subdesk.public-base-url}")
	String issuer;

	@Autowired
	JdbcClient database;

	@Test
	void aDeviceTokenVerifiesWithThePublishedKeyAndNamesTheDeviceTheAccountAndTheProductsOfItsSeat() throws Exception {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-annual");
		fixtures.addOn(account, "identity-addon-annual", base);
		String device = device(account, base);
		Instant before = now();

		Api.Response answer = token(device);

		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		Verified verified = verifier().verify(answer.text("token")).orElseThrow(() -> new AssertionError("not verified"));
		SignedJWT jwt = SignedJWT.parse(answer.text("token"));
		assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("EdDSA");
		assertThat(jwt.getHeader().getKeyID()).isEqualTo(verified.kid());
		assertThat(verified.claims().getIssuer()).isEqualTo(issuer);
		assertThat(verified.claims().getSubject()).isEqualTo(device);
		assertThat(verified.claims().getStringClaim("acct")).isEqualTo(account);
		assertThat(verified.claims().getStringListClaim("products")).containsExactlyInAnyOrder("antivirus", "identity");
		Instant iat = verified.claims().getIssueTime().toInstant();
		assertThat(iat).isBetween(before, now());
		Instant exp = verified.claims().getExpirationTime().toInstant();
		assertThat(exp).isEqualTo(iat.plus(WEEK)).isEqualTo(Instant.parse(answer.text("expiresAt")));
		assertThat(jwt.getPayload().toJSONObject().get("exp")).isEqualTo(exp.getEpochSecond());

		String[] parts = answer.text("token").split("\\.");
		String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
			.encodeToString(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
				.replace("\"antivirus\"", "\"vpn\"").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
		assertThat(verifier().verify(forged)).as("a token with changed products").isEmpty();
	}

	@Test
	void theJwkSetHasTheSigningKeyBeforeTheFirstTokenIsSigned() throws Exception {
		// a fresh installation: no key made yet (tokens signed before this test are no concern of it)
		database.sql("DELETE FROM entitlement_keys").update();

		Api.Response keys = api.with("Authorization", null).get("/entitlement-keys");

		assertThat(keys.status()).as(keys.toString()).isEqualTo(200);
		assertThat(keys.json().path("keys").values()).hasSize(1);
		String kid = keys.json().path("keys").get(0).path("kid").asString();
		String account = fixtures.accountWithVisa();
		String token = token(device(account, fixtures.subscribe(account, "antivirus-annual"))).text("token");
		assertThat(EntitlementVerifier.verify(token, JWKSet.parse(keys.raw()))).as("verified with the key fetched first")
			.hasValueSatisfying(verified -> assertThat(verified.kid()).isEqualTo(kid));
	}

	@Test
	void aFirstKeyAskedForWhileARotationRunsLeavesOneSigningKeyAndNoError() throws Exception {
		for (int round = 0; round < 10; round++) {
			database.sql("DELETE FROM entitlement_keys").update();
			java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(6);
			List<java.util.concurrent.CompletableFuture<Integer>> calls = new java.util.ArrayList<>();
			for (int i = 0; i < 6; i++) {
				boolean rotate = i % 2 == 0;
				calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
					try {
						start.await();
					}
					catch (Exception e) {
						throw new IllegalStateException(e);
					}
					return rotate ? api.post("/entitlement-keys/rotation", Map.of()).status()
							: api.with("Authorization", null).get("/entitlement-keys").status();
				}));
			}
			for (int i = 0; i < calls.size(); i++) {
				assertThat(calls.get(i).get()).as("call " + i + " of round " + round).isIn(200, 201);
			}
			assertThat(database.sql("SELECT count(*) FROM entitlement_keys WHERE retired_at IS NULL").query(Long.class)
				.single()).isEqualTo(1);
		}
	}

	@Test
	void theJwkSetIsPublicAndListsOkpEd25519SigningKeys() {
		String account = fixtures.accountWithVisa();
		token(device(account, fixtures.subscribe(account, "antivirus-annual")));
		Api.Response keys = api.with("Authorization", null).get("/entitlement-keys");

		assertThat(keys.status()).as(keys.toString()).isEqualTo(200);
		assertThat(keys.json().path("keys").values()).isNotEmpty().allSatisfy(key -> {
			assertThat(key.path("kty").asString()).isEqualTo("OKP");
			assertThat(key.path("crv").asString()).isEqualTo("Ed25519");
			assertThat(key.path("use").asString()).isEqualTo("sig");
			assertThat(key.path("alg").asString()).isEqualTo("EdDSA");
			assertThat(key.path("kid").asString()).isNotBlank();
			assertThat(Base64.getUrlDecoder().decode(key.path("x").asString())).hasSize(32);
			assertThat(key.has("d")).as("no private part").isFalse();
		});
	}

	@Test
	void entitlementsListEachProductOfEachCoveringSubscriptionUntilTheEndOfWhatIsPaidFor() {
		String account = fixtures.accountWithVisa();
		String total = fixtures.subscribe(account, "total-annual");
		String antivirus = fixtures.subscribe(account, "antivirus-annual");
		String identity = fixtures.addOn(account, "identity-addon-annual", antivirus);
		String gone = fixtures.subscribe(account, "vpn-annual");
		fixtures.cancel(gone, "IMMEDIATE");
		device(account, total);
		device(account, total);
		device(account, antivirus);

		JsonNode data = entitlements(account);

		assertThat(data.values()).extracting(e -> e.path("subscriptionId").asString() + ":" + e.path("product").asString())
			.containsExactlyInAnyOrder(total + ":antivirus", total + ":vpn", total + ":utilities", total + ":identity",
					antivirus + ":antivirus", identity + ":identity");
		for (JsonNode e : data.values()) {
			JsonNode s = fixtures.subscription(e.path("subscriptionId").asString()).json();
			// an add-on has its own term from its purchase, a second or more after its base's, and never covers past it
			Instant end = Instant.parse(s.path("currentPeriodEnd").asString());
			if (!s.path("parentSubscriptionId").isNull() && !s.path("parentSubscriptionId").isMissingNode()) {
				Instant baseEnd = Instant.parse(fixtures.subscription(s.path("parentSubscriptionId").asString()).json()
					.path("currentPeriodEnd").asString());
				end = end.isAfter(baseEnd) ? baseEnd : end;
			}
			assertThat(Instant.parse(e.path("until").asString())).isEqualTo(end);
		}
		JsonNode totalEntry = data.values().stream().filter(e -> e.path("subscriptionId").asString().equals(total))
			.findFirst().orElseThrow();
		assertThat(totalEntry.path("deviceLimit").asInt()).isEqualTo(10);
		assertThat(totalEntry.path("devicesInUse").asInt()).isEqualTo(2);
		assertThat(api.get("/accounts/acct_unknown/entitlements").status()).isEqualTo(404);
	}

	@Test
	void aDeviceOfAnEndOfTermCancellationGetsTokensUntilTheEndDateNeverPastItAndNoneAfter() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String device = device(account, sub);
		Api.Response cancelled = fixtures.cancel(sub, "END_OF_TERM");
		assertThat(cancelled.text("status")).isEqualTo("SCHEDULED");
		Instant end = Instant.parse(fixtures.subscription(sub).text("cancelAt"));

		Verified early = verifier().verify(token(device).text("token")).orElseThrow();
		assertThat(early.claims().getExpirationTime().toInstant())
			.isEqualTo(early.claims().getIssueTime().toInstant().plus(WEEK)).isBefore(end);

		fixtures.advance(Duration.between(now(), end).minusDays(2));
		Api.Response late = token(device);
		assertThat(late.status()).as(late.toString()).isEqualTo(200);
		Verified lastWeek = verifier().verify(late.text("token")).orElseThrow();
		assertThat(lastWeek.claims().getExpirationTime().toInstant()).as("capped at the end date").isEqualTo(end);
		assertThat(Instant.parse(late.text("expiresAt"))).isEqualTo(end);
		assertThat(entitlements(account).get(0).path("until").asString()).isEqualTo(end.toString());

		fixtures.advance(Duration.ofDays(2));
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("CANCELLED");
		assertNotEntitled(token(device));
		assertThat(entitlements(account).values()).isEmpty();
	}

	@Test
	void anImmediatelyCancelledSubscriptionWithoutRefundGetsNoNewToken() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String device = device(account, sub);
		assertThat(token(device).status()).isEqualTo(200);
		fixtures.advance("P15D");

		Api.Response cancelled = fixtures.cancel(sub, "IMMEDIATE");

		assertThat(cancelled.json().path("refundTotal").path("amount").asLong()).as("outside the money-back window")
			.isZero();
		assertNotEntitled(token(device));
		assertThat(entitlements(account).values()).isEmpty();
	}

	@Test
	void aRefundedSubscriptionGetsNoNewToken() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String device = device(account, sub);
		assertThat(token(device).status()).isEqualTo(200);

		Api.Response cancelled = fixtures.cancel(sub, "IMMEDIATE");

		assertThat(cancelled.json().path("refundTotal").path("amount").asLong()).isEqualTo(5999);
		assertNotEntitled(token(device));
	}

	/**
	 * API.md: "a cancelled or refunded subscription gets no new token". A refund of the whole charge for the current
	 * term over {@code POST /charges/{id}/refunds} leaves the subscription ACTIVE, but nothing of the term is paid for
	 * any more; a partial refund (a goodwill credit) leaves the term paid for.
	 */
	@Test
	void aSubscriptionWhoseCurrentTermsChargeIsRefundedInFullGetsNoNewTokenAndAPartlyRefundedOneDoes() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String device = device(account, sub);
		String charge = chargeOf(account, sub);

		Api.Response partial = api.post("/charges/" + charge + "/refunds", Map.of("amount", 1000, "reason", "Goodwill"));
		assertThat(partial.status()).as(partial.toString()).isEqualTo(201);
		Api.Response stillCovered = token(device);
		assertThat(stillCovered.status()).as(stillCovered.toString()).isEqualTo(200);
		assertThat(entitlements(account).values()).extracting(e -> e.path("subscriptionId").asString()).containsOnly(sub);

		Api.Response rest = api.post("/charges/" + charge + "/refunds", Map.of("reason", "Refund of the year"));
		assertThat(rest.status()).as(rest.toString()).isEqualTo(201);
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("ACTIVE");
		assertNotEntitled(token(device));
		assertThat(entitlements(account).values()).isEmpty();
	}

	@Test
	void anAddOnWhoseChargeIsRefundedInFullLeavesTheTokenAndAnAddOnOfARefundedBaseCoversNothing() throws Exception {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-annual");
		String identity = fixtures.addOn(account, "identity-addon-annual", base);
		String device = device(account, base);

		assertThat(api.post("/charges/" + chargeOf(account, identity) + "/refunds", Map.of("reason", "Not wanted"))
			.status()).isEqualTo(201);
		Api.Response baseOnly = token(device);
		assertThat(baseOnly.status()).as(baseOnly.toString()).isEqualTo(200);
		assertThat(verifier().verify(baseOnly.text("token")).orElseThrow().claims().getStringListClaim("products"))
			.containsExactly("antivirus");
		assertThat(entitlements(account).values()).extracting(e -> e.path("subscriptionId").asString()).containsOnly(base);

		String other = fixtures.subscribe(account, "antivirus-monthly");
		String vpn = fixtures.addOn(account, "vpn-addon-monthly", other);
		assertThat(api.post("/charges/" + chargeOf(account, other) + "/refunds", Map.of("reason", "Not wanted"))
			.status()).isEqualTo(201);
		assertThat(entitlements(account).values()).extracting(e -> e.path("subscriptionId").asString())
			.as("the add-on %s never covers past its base", vpn).containsOnly(base);
	}

	private String chargeOf(String account, String subscription) {
		for (JsonNode charge : api.get("/accounts/" + account + "/charges").json().path("data").values()) {
			if (charge.path("subscriptionId").asString().equals(subscription)) {
				return charge.path("id").asString();
			}
		}
		throw new AssertionError("no charge of " + subscription);
	}

	@Test
	void aPastDueSubscriptionIsCoveredUntilItsLastRetryAndAnExpiredOneGetsNoNewToken() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-monthly");
		String declining = fixtures.card(account, "tok_chargeDeclined");
		assertThat(api.patch("/subscriptions/" + sub, Map.of("paymentMethodId", declining)).status()).isEqualTo(200);
		String device = device(account, sub);
		Instant periodEnd = Instant.parse(fixtures.subscription(sub).text("currentPeriodEnd"));

		fixtures.advance(Duration.between(now(), periodEnd).plusHours(1));
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("PAST_DUE");
		Instant lastRetry = periodEnd.plus(Duration.ofDays(5));
		assertThat(entitlements(account).get(0).path("until").asString()).isEqualTo(lastRetry.toString());
		Api.Response pastDue = token(device);
		assertThat(pastDue.status()).as(pastDue.toString()).isEqualTo(200);
		assertThat(verifier().verify(pastDue.text("token")).orElseThrow().claims().getExpirationTime().toInstant())
			.isEqualTo(lastRetry);

		fixtures.advance(Duration.ofDays(5));
		assertThat(fixtures.subscription(sub).text("status")).isEqualTo("EXPIRED");
		assertNotEntitled(token(device));
		assertThat(entitlements(account).values()).isEmpty();
	}

	@Test
	void aRemovedDeviceGetsNoTokenAndAnUnknownOneIsNotFound() {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		String device = device(account, sub);
		assertThat(api.delete("/accounts/" + account + "/devices/" + device).status()).isEqualTo(204);

		assertNotEntitled(token(device));
		Api.Response unknown = token("dev_unknown");
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.code()).isEqualTo("NOT_FOUND");
	}

	@Test
	void aDeviceOnAnAddOnsSeatIsEntitledToTheAddOnsProducts() throws Exception {
		String account = fixtures.accountWithVisa();
		String base = fixtures.subscribe(account, "antivirus-monthly");
		String vpn = fixtures.addOn(account, "vpn-addon-monthly", base);
		String device = device(account, vpn);

		Verified verified = verifier().verify(token(device).text("token")).orElseThrow();

		assertThat(verified.claims().getStringListClaim("products")).containsExactly("vpn");
	}

	@Test
	void theEntitlementEndpointsNeedTheKeyButTheKeysDoNot() {
		String account = fixtures.accountWithVisa();
		String device = device(account, fixtures.subscribe(account, "antivirus-annual"));
		Api anonymous = api.with("Authorization", null);
		Api wrong = api.with("Authorization", "Bearer wrong");

		for (Api caller : List.of(anonymous, wrong)) {
			for (Api.Response answer : List.of(caller.get("/accounts/" + account + "/entitlements"),
					caller.post("/devices/" + device + "/entitlement-token", Map.of()),
					caller.post("/entitlement-keys/rotation", Map.of()))) {
				assertThat(answer.status()).as(answer.toString()).isEqualTo(401);
				assertThat(answer.code()).isEqualTo("UNAUTHORIZED");
				assertThat(answer.raw()).doesNotContain("token\"").doesNotContain("antivirus");
			}
		}
		assertThat(anonymous.get("/entitlement-keys").status()).isEqualTo(200);
	}

	@Test
	void afterARotationNewTokensUseTheNewKeyAndOldTokensVerifyUntilTheyExpire() {
		String account = fixtures.accountWithVisa();
		String device = device(account, fixtures.subscribe(account, "antivirus-annual"));
		String before = token(device).text("token");
		String oldKid = verifier().verify(before).orElseThrow().kid();
		JWKSet cachedBefore = verifier().keys();

		Api.Response rotated = api.post("/entitlement-keys/rotation", Map.of());

		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(201);
		String newKid = rotated.json().path("signingKey").path("kid").asString();
		assertThat(newKid).isNotBlank().isNotEqualTo(oldKid);
		Instant signsFrom = Instant.parse(rotated.json().path("signsFrom").asString());
		assertThat(rotated.json().path("retiredKeys").values()).anySatisfy(k -> {
			assertThat(k.path("kid").asString()).isEqualTo(oldKid);
			assertThat(Instant.parse(k.path("retiredAt").asString())).as("it signs until the new one does")
				.isEqualTo(signsFrom);
			assertThat(Instant.parse(k.path("publishedUntil").asString()))
				.isAfterOrEqualTo(Instant.parse(k.path("retiredAt").asString()).plus(WEEK));
		});
		// a copy of the key set fetched just before, kept as long as its Cache-Control allows, still verifies every
		// token signed until it has expired: the new key is published at once and signs only once every such copy has
		assertThat(verifier().keys().getKeyByKeyId(newKid)).as("published at once").isNotNull();
		fixtures.advance(EntitlementKeys.KEY_SET_MAX_AGE);
		Verified during = EntitlementVerifier.verify(token(device).text("token"), cachedBefore).orElseThrow();
		assertThat(during.kid()).as("signed with the key every cached copy has").isEqualTo(oldKid);
		fixtures.advance(EntitlementKeys.SIGNS_AFTER.minus(EntitlementKeys.KEY_SET_MAX_AGE));
		Verified after = verifier().verify(token(device).text("token")).orElseThrow();
		assertThat(after.kid()).isEqualTo(newKid);
		JWKSet published = verifier().keys();
		assertThat(published.getKeyByKeyId(oldKid)).as("the old key is still published").isNotNull();
		assertThat(EntitlementVerifier.verify(before, published)).as("a token signed before the rotation").isPresent();

		fixtures.advance(WEEK.plusMinutes(2));
		assertThat(verifier().keys().getKeyByKeyId(oldKid)).as("gone once its tokens have expired").isNull();
		assertThat(verifier().keys().getKeyByKeyId(newKid)).isNotNull();
	}

	@Test
	void aRotationAskedToTakeEffectAtOnceSignsTheNextTokenWithTheNewKey() {
		String account = fixtures.accountWithVisa();
		String device = device(account, fixtures.subscribe(account, "antivirus-annual"));

		Api.Response rotated = api.post("/entitlement-keys/rotation", Map.of("immediately", true));

		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(201);
		String newKid = rotated.json().path("signingKey").path("kid").asString();
		assertThat(verifier().verify(token(device).text("token")).orElseThrow().kid()).isEqualTo(newKid);
		assertThat(api.post("/entitlement-keys/rotation", Map.of("immediately", "yes")).status()).isEqualTo(400);
		assertThat(api.post("/entitlement-keys/rotation", Map.of("later", true)).status()).isEqualTo(400);
	}

	@Test
	void aRotationThatRevokesALeakedKeyTakesItOutOfTheKeySetAtOnce() {
		String account = fixtures.accountWithVisa();
		String device = device(account, fixtures.subscribe(account, "antivirus-annual"));
		String before = token(device).text("token");
		String leaked = verifier().verify(before).orElseThrow().kid();

		Api.Response rotated = api.post("/entitlement-keys/rotation", Map.of("revoke", true));

		assertThat(rotated.status()).as(rotated.toString()).isEqualTo(201);
		String newKid = rotated.json().path("signingKey").path("kid").asString();
		assertThat(api.get("/entitlement-keys").json().path("keys").values()).extracting(k -> k.path("kid").asString())
			.contains(newKid)
			.doesNotContain(leaked);
		assertThat(verifier().verify(before)).as("what the leaked key signed no longer verifies").isEmpty();
		assertThat(verifier().verify(token(device).text("token")).orElseThrow().kid()).isEqualTo(newKid);
		assertThat(api.post("/entitlement-keys/rotation", Map.of("revoke", "yes")).status()).isEqualTo(400);
	}

	@Test
	void aRevokingRotationAlsoTakesOutAKeyAnEarlierRotationRetiredButStillPublishes() {
		String account = fixtures.accountWithVisa();
		String device = device(account, fixtures.subscribe(account, "antivirus-annual"));
		String signedByRetired = token(device).text("token");
		String retired = verifier().verify(signedByRetired).orElseThrow().kid();
		assertThat(api.post("/entitlement-keys/rotation", Map.of("immediately", true)).status()).isEqualTo(201);
		assertThat(api.get("/entitlement-keys").json().path("keys").values()).extracting(k -> k.path("kid").asString())
			.as("retired, still published for the tokens it signed")
			.contains(retired);

		// the operator learns that the retired key leaked
		Api.Response revoked = api.post("/entitlement-keys/rotation", Map.of("revoke", true));

		assertThat(revoked.status()).as(revoked.toString()).isEqualTo(201);
		assertThat(api.get("/entitlement-keys").json().path("keys").values()).extracting(k -> k.path("kid").asString())
			.containsExactly(revoked.json().path("signingKey").path("kid").asString());
		assertThat(verifier().verify(signedByRetired)).as("what the leaked retired key signs no longer verifies")
			.isEmpty();
	}

	@Test
	void theStoredSigningKeyIsSealedWithTheKeyEncryptionKeyNotKeptInTheClear() throws Exception {
		String account = fixtures.accountWithVisa();
		Verified verified = verifier()
			.verify(token(device(account, fixtures.subscribe(account, "antivirus-annual"))).text("token"))
			.orElseThrow();
		record Row(byte[] publicKey, byte[] sealed) {
		}
		Row row = database.sql("SELECT public_key, sealed_private_key FROM entitlement_keys WHERE kid = :kid")
			.param("kid", verified.kid())
			.query((rs, n) -> new Row(rs.getBytes(1), rs.getBytes(2)))
			.single();

		byte[] seed = open(row.sealed(), verified.kid(), SubdeskIntegrationTest.ENTITLEMENT_KEK);

		assertThat(seed).hasSize(32);
		assertThat(indexOf(row.sealed(), seed)).as("the private key appears nowhere in the row").isEqualTo(-1);
		Signature signer = Signature.getInstance("Ed25519");
		signer.initSign(KeyFactory.getInstance("Ed25519")
			.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed)));
		signer.update("probe".getBytes(StandardCharsets.UTF_8));
		byte[] signature = signer.sign();
		Signature check = Signature.getInstance("Ed25519");
		check.initVerify(EntitlementVerifier.publicKey(
				((com.nimbusds.jose.jwk.OctetKeyPair) verifier().keys().getKeyByKeyId(verified.kid())).getX().decode()));
		check.update("probe".getBytes(StandardCharsets.UTF_8));
		assertThat(check.verify(signature)).as("the sealed key is the published key's private half").isTrue();
		assertThatThrownBy(() -> open(row.sealed(), verified.kid(),
				Base64.getEncoder().encodeToString(new byte[32]))).isInstanceOf(AEADBadTagException.class);
		assertThatThrownBy(() -> open(row.sealed(), "ek_another", SubdeskIntegrationTest.ENTITLEMENT_KEK))
			.as("bound to its key id").isInstanceOf(AEADBadTagException.class);
	}

	/** AES-256-GCM as documented in V100: a 12-byte nonce, then ciphertext and tag; the key id as associated data. */
	private static byte[] open(byte[] sealed, String kid, String kek) throws Exception {
		Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
		cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Base64.getDecoder().decode(kek), "AES"),
				new GCMParameterSpec(128, sealed, 0, 12));
		cipher.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
		return cipher.doFinal(sealed, 12, sealed.length - 12);
	}

	private static int indexOf(byte[] haystack, byte[] needle) {
		for (int i = 0; i + needle.length <= haystack.length; i++) {
			if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
				return i;
			}
		}
		return -1;
	}

	private void assertNotEntitled(Api.Response answer) {
		assertThat(answer.status()).as(answer.toString()).isEqualTo(409);
		assertThat(answer.code()).isEqualTo("NOT_ENTITLED");
		assertThat(answer.contentType()).startsWith("application/problem+json");
	}

	private EntitlementVerifier verifier() {
		return new EntitlementVerifier(api.base());
	}

	private Api.Response token(String device) {
		return api.post("/devices/" + device + "/entitlement-token", Map.of());
	}

	private JsonNode entitlements(String account) {
		Api.Response answer = api.get("/accounts/" + account + "/entitlements");
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		return answer.json().path("data");
	}

	private String device(String account, String subscription) {
		Api.Response answer = api.post("/accounts/" + account + "/devices",
				Map.of("name", "Laptop", "platform", "LINUX", "subscriptionId", subscription));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
		return answer.id();
	}

	private Instant now() {
		return Instant.parse(api.get("/test-clock").text("now"));
	}
}
