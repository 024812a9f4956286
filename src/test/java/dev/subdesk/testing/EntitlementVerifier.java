package dev.subdesk.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Checks an entitlement token the way a vendor's software would, with nothing of the server's code: the JWK Set is
 * fetched anonymously over HTTP and parsed with Nimbus, the token parsed with Nimbus, and the Ed25519 signature
 * checked with the JDK's own {@code Ed25519} {@link Signature} (the server signs with Bouncy Castle).
 */
public final class EntitlementVerifier {

	/** The DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), before the 32 raw key bytes. */
	private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

	private final String base;

	public EntitlementVerifier(String base) {
		this.base = base;
	}

	/** A verified token: its claims and the id of the key that signed it. */
	public record Verified(String kid, JWTClaimsSet claims) {
	}

	/** The JWK Set as published now, fetched without the API key. */
	public JWKSet keys() {
		try {
			return JWKSet.load(URI.create(base + "/api/v1/entitlement-keys").toURL());
		}
		catch (IOException | ParseException e) {
			throw new AssertionError("the JWK Set could not be fetched or parsed", e);
		}
	}

	/** The token's claims when its signature verifies with a published key (its {@code kid}), else empty. */
	public Optional<Verified> verify(String token) {
		return verify(token, keys());
	}

	public static Optional<Verified> verify(String token, JWKSet keys) {
		try {
			SignedJWT jwt = SignedJWT.parse(token);
			if (!JWSAlgorithm.EdDSA.equals(jwt.getHeader().getAlgorithm())) {
				return Optional.empty();
			}
			JWK jwk = keys.getKeyByKeyId(jwt.getHeader().getKeyID());
			if (!(jwk instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
				return Optional.empty();
			}
			Signature verifier = Signature.getInstance("Ed25519");
			verifier.initVerify(publicKey(okp.getX().decode()));
			verifier.update(jwt.getSigningInput());
			if (!verifier.verify(jwt.getSignature().decode())) {
				return Optional.empty();
			}
			return Optional.of(new Verified(jwk.getKeyID(), jwt.getJWTClaimsSet()));
		}
		catch (ParseException | GeneralSecurityException e) {
			return Optional.empty();
		}
	}

	/** A JDK public key from the raw 32 bytes of an Ed25519 key. */
	public static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
		byte[] der = new byte[X509_PREFIX.length + raw.length];
		System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
		System.arraycopy(raw, 0, der, X509_PREFIX.length, raw.length);
		return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
	}
}
