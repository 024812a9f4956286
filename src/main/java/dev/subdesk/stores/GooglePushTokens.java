package dev.subdesk.stores;

import dev.subdesk.shared.CommonErrorCode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.subdesk.shared.SubdeskException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.stereotype.Component;

/**
 * Verifies the bearer token Pub/Sub sends with each push (an OIDC JWT Google signs): RS256 by a key of the configured
 * JWK Set, issuer {@code https://accounts.google.com}, the configured audience, the configured service account as a
 * verified {@code email}, and not expired by the server clock. Anything else is {@code 401 UNAUTHORIZED}. With no
 * keys, audience or service account configured, nothing verifies.
 */
@Component
class GooglePushTokens {

	static final Set<String> ISSUERS = Set.of("https://accounts.google.com", "accounts.google.com");

	private final @Nullable DefaultJWTProcessor<SecurityContext> processor;
	private final @Nullable String audience;
	private final @Nullable String serviceAccount;
	private final Clock clock;

	GooglePushTokens(StoresProperties properties, Clock clock) {
		this.clock = clock;
		StoresProperties.Google google = properties.google();
		this.audience = google == null ? null : google.audience();
		this.serviceAccount = google == null ? null : google.serviceAccount();
		String jwks = google == null ? null : google.jwksUri();
		if (jwks == null || jwks.isBlank()) {
			this.processor = null;
			return;
		}
		DefaultJWTProcessor<SecurityContext> jwt = new DefaultJWTProcessor<>();
		jwt.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys(jwks.strip())));
		jwt.setJWTClaimsSetVerifier((claims, context) -> {
			// checked below against the server clock
		});
		this.processor = jwt;
	}

	private static JWKSource<SecurityContext> keys(String location) {
		try {
			// an address StoreAddresses allowed (StoresProperties.Google): https://, or http:// to the loopback
			if (!StoreAddresses.isLocal(location)) {
				return JWKSourceBuilder.create(URI.create(location).toURL()).build();
			}
			try (InputStream in = new DefaultResourceLoader().getResource(location).getInputStream()) {
				return new ImmutableJWKSet<>(JWKSet.load(in));
			}
		}
		catch (IOException | ParseException e) {
			throw new IllegalStateException("subdesk.stores.google.jwks-uri: cannot read " + location, e);
		}
	}

	/** Checks {@code Authorization: Bearer <token>}; {@code 401} unless it is a valid push token for us. */
	void verify(@Nullable String authorization) {
		if (processor == null || audience == null || serviceAccount == null) {
			throw refused("Google Play push keys, audience and service account are not configured");
		}
		if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			throw refused("send the push token as Authorization: Bearer <token>");
		}
		JWTClaimsSet claims;
		try {
			claims = processor.process(authorization.substring(7).strip(), null);
		}
		catch (ParseException | BadJOSEException | JOSEException e) {
			throw refused("the token's signature does not verify");
		}
		if (!ISSUERS.contains(claims.getIssuer())) {
			throw refused("the token was not issued by Google");
		}
		if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
			throw refused("the token is for another audience");
		}
		Object email = claims.getClaim("email");
		if (!serviceAccount.equals(email) || !Boolean.TRUE.equals(claims.getClaim("email_verified"))) {
			throw refused("the token is not the configured service account's");
		}
		Date expires = claims.getExpirationTime();
		Instant now = clock.instant();
		if (expires == null || !expires.toInstant().isAfter(now)) {
			throw refused("the token has expired");
		}
		Date issued = claims.getIssueTime();
		if (issued != null && issued.toInstant().isAfter(now.plusSeconds(300))) {
			throw refused("the token is issued in the future");
		}
	}

	/** {@code 401 UNAUTHORIZED}: the push is refused and nothing was changed. */
	static SubdeskException refused(String why) {
		return new SubdeskException(CommonErrorCode.UNAUTHORIZED, "Refused: " + why + "; nothing was changed");
	}
}
