package dev.subdesk.stores;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Signs Pub/Sub push tokens as Google would (RS256, an OIDC ID token), with the tests' own key whose public half the
 * server trusts ({@code subdesk.stores.google.jwks-uri}, src/test/resources/stores), or with a key of its own that
 * the server does not know ({@link #stranger()}).
 */
public final class GooglePushSigner {

	static final String KID = "subdesk-test-google-1";
	static final String AUDIENCE = "https://subdesk.test/api/v1/channels/google/rtdn";
	static final String SERVICE_ACCOUNT = "rtdn-push@acme-test.iam.example";

	private final PrivateKey key;

	private GooglePushSigner(PrivateKey key) {
		this.key = key;
	}

	static GooglePushSigner trusted() {
		try (InputStream in = GooglePushSigner.class.getClassLoader()
			.getResourceAsStream("stores/test-google-signer.key.pem")) {
			String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("-----[A-Z ]+-----", "")
				.replaceAll("\\s", "");
			return new GooglePushSigner(
					KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem))));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** A key of its own, announced under the trusted key's id. */
	static GooglePushSigner stranger() {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			return new GooglePushSigner(generator.generateKeyPair().getPrivate());
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** The claims of a good push token at {@code now}, to change before signing. */
	static JWTClaimsSet.Builder claims(Instant now) {
		return new JWTClaimsSet.Builder().issuer("https://accounts.google.com")
			.audience(AUDIENCE)
			.subject("112233445566778899000")
			.claim("email", SERVICE_ACCOUNT)
			.claim("email_verified", true)
			.issueTime(Date.from(now.minusSeconds(10)))
			.expirationTime(Date.from(now.plusSeconds(3600)));
	}

	/** Pushes Google Play's test notification, as Pub/Sub would with a good token; Subdesk records it only. */
	public static dev.subdesk.testing.Api.Response pushTestNotification(dev.subdesk.testing.Api api, Instant now) {
		String data = Base64.getEncoder()
			.encodeToString(("{\"version\":\"1.0\",\"packageName\":\"example.acme.app\",\"eventTimeMillis\":\""
					+ now.toEpochMilli() + "\",\"testNotification\":{\"version\":\"1.0\"}}").getBytes(StandardCharsets.UTF_8));
		return api.with("Authorization", "Bearer " + trusted().sign(claims(now).build()))
			.post("/channels/google/rtdn",
					java.util.Map.of("message", java.util.Map.of("data", data, "messageId", java.util.UUID.randomUUID().toString())));
	}

	String sign(JWTClaimsSet claims) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KID).build(), claims);
			jwt.sign(new RSASSASigner(key));
			return jwt.serialize();
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}
}
