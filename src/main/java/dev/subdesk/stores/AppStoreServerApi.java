package dev.subdesk.stores;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.subdesk.clock.WallClock;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The App Store Server API's Get All Subscription Statuses ({@code GET /inApps/v1/subscriptions/{transactionId}}),
 * authenticated by a JWT the vendor's In-App Purchase key signs (ES256; {@code kid} the key's id, {@code typ} JWT;
 * {@code iss} the issuer id, {@code aud} {@code appstoreconnect-v1}, {@code bid} the bundle id, valid
 * {@link #TOKEN_LIFETIME}), made again a minute before it expires. The answer's signed transaction and renewal info
 * are returned as they came: they are verified by whoever reads them ({@link AppleSignedData}). A {@code 404} whose
 * {@code errorCode} is one of {@link #UNKNOWN_TRANSACTION} is a transaction Apple does not know; anything else that is
 * not an answer (another {@code 404}, a {@code 401}, a {@code 5xx}, no whole answer within the timeout, an answer over
 * {@link StoreHttp#MAX_BODY}: {@link StoreHttp}) is {@link Unavailable}. The JWT's times are in
 * real time ({@link WallClock}), not the clock bean's: Apple checks them against its own clock.
 */
final class AppStoreServerApi {

	static final String PRODUCTION = "https://api.storekit.itunes.apple.com";

	static final String SANDBOX = "https://api.storekit-sandbox.itunes.apple.com";

	static final String AUDIENCE = "appstoreconnect-v1";

	/**
	 * The {@code errorCode}s of a {@code 404} that say Apple does not know the transaction: TransactionIdNotFoundError
	 * (4040010) and OriginalTransactionIdNotFoundError (4040005). Any other (AppNotFoundError 4040003, a misconfigured
	 * bundle id or environment; the retryable 4040002, 4040004, 4040006 ...; none) is no answer about the purchase.
	 */
	static final java.util.Set<Long> UNKNOWN_TRANSACTION = java.util.Set.of(4040010L, 4040005L);

	/** How long a JWT is good for (Apple takes at most an hour). */
	static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);

	/** The App Store Server API could not be asked (down, slow, refusing our key): nothing can be decided now. */
	static final class Unavailable extends RuntimeException {

		Unavailable(String message, @Nullable Throwable cause) {
			super(message, cause);
		}
	}

	/** One {@code lastTransactionsItem}: the status of a subscription and its signed transaction and renewal info. */
	record LastTransaction(int status, String originalTransactionId, @Nullable String signedTransactionInfo,
			@Nullable String signedRenewalInfo) {
	}

	/** A {@code StatusResponse}: its app and environment, and every subscription group's last transactions. */
	record Statuses(@Nullable String environment, @Nullable String bundleId, List<LastTransaction> lastTransactions) {

		/** The last transaction of the purchase {@code originalTransactionId}, if the answer has it. */
		Optional<LastTransaction> of(String originalTransactionId) {
			return lastTransactions.stream().filter(t -> t.originalTransactionId().equals(originalTransactionId)).findFirst();
		}
	}

	private record Token(String value, Instant expiresAt) {
	}

	private final ECPrivateKey key;
	private final String keyId;
	private final String issuerId;
	private final String bundleId;
	private final URI baseUrl;
	private final Duration timeout;
	private final HttpClient http;
	private final JsonMapper json;
	private final WallClock wallClock;
	private @Nullable Token token;

	AppStoreServerApi(ECPrivateKey key, String keyId, String issuerId, String bundleId, URI baseUrl, Duration timeout,
			JsonMapper json, WallClock wallClock) {
		this.key = key;
		this.keyId = keyId;
		this.issuerId = issuerId;
		this.bundleId = bundleId;
		this.baseUrl = baseUrl;
		this.timeout = timeout;
		this.json = json;
		this.wallClock = wallClock;
		this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
	}

	/** The EC P-256 private key of a {@code .p8} file (PKCS#8 in PEM), else {@link IllegalArgumentException}. */
	static ECPrivateKey privateKey(String pem) {
		String base64 = pem.replaceAll("-----(BEGIN|END) [A-Z ]*PRIVATE KEY-----", "").replaceAll("\\s", "");
		try {
			var spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
			var key = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(spec);
			if (!Curve.P_256.equals(Curve.forECParameterSpec(key.getParams()))) {
				throw new IllegalArgumentException("the key is not on the P-256 curve");
			}
			return key;
		}
		catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
			throw new IllegalArgumentException("not a PKCS#8 EC P-256 private key in PEM (an App Store Connect .p8 file)",
					e);
		}
	}

	/** Get All Subscription Statuses of the purchase {@code transactionId}; empty when Apple does not know it. */
	Optional<Statuses> statuses(String transactionId) {
		URI uri = baseUrl.resolve("/inApps/v1/subscriptions/" + segment(transactionId));
		HttpRequest request = HttpRequest.newBuilder(uri)
			.timeout(timeout)
			.header("Authorization", "Bearer " + token())
			.header("Accept", "application/json")
			.GET()
			.build();
		HttpResponse<String> answer;
		try {
			answer = StoreHttp.exchange(http, request, timeout);
		}
		catch (IOException e) {
			throw new Unavailable("Get All Subscription Statuses could not be reached: " + e, e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new Unavailable("Get All Subscription Statuses: interrupted", e);
		}
		return switch (answer.statusCode()) {
			case 200 -> Optional.of(parse(answer.body()));
			case 404 -> {
				long errorCode = errorCode(answer.body());
				if (UNKNOWN_TRANSACTION.contains(errorCode)) {
					yield Optional.empty();
				}
				// AppNotFoundError (4040003: our bundle id or environment is not Apple's), a retryable one: no answer
				throw new Unavailable("Get All Subscription Statuses answered 404 with errorCode " + errorCode, null);
			}
			case 401 -> {
				forgetToken(); // refused: the next call signs a new one
				throw new Unavailable("Get All Subscription Statuses answered 401 (the key, its id, the issuer id or the "
						+ "bundle id is not the one App Store Connect has)", null);
			}
			default -> throw new Unavailable("Get All Subscription Statuses answered " + answer.statusCode(), null);
		};
	}

	/** The JWT every call carries: the last one until a minute before it expires. */
	synchronized String token() {
		// Apple's time, not the business clock's: a moved test clock must not date the token
		Instant now = wallClock.instant();
		if (token != null && now.isBefore(token.expiresAt().minusSeconds(60))) {
			return token.value();
		}
		Instant expires = now.plus(TOKEN_LIFETIME);
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuerId)
			.issueTime(Date.from(now))
			.expirationTime(Date.from(expires))
			.audience(AUDIENCE)
			.claim("bid", bundleId)
			.build();
		SignedJWT jwt = new SignedJWT(
				new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keyId).type(JOSEObjectType.JWT).build(), claims);
		try {
			jwt.sign(new ECDSASigner(key));
		}
		catch (JOSEException e) {
			throw new IllegalStateException("cannot sign with the App Store Server API key", e);
		}
		token = new Token(jwt.serialize(), expires);
		return token.value();
	}

	private synchronized void forgetToken() {
		token = null;
	}

	private Statuses parse(String body) {
		try {
			JsonNode response = json.readTree(body);
			List<LastTransaction> last = new ArrayList<>();
			for (JsonNode group : response.path("data")) {
				for (JsonNode item : group.path("lastTransactions")) {
					String original = item.path("originalTransactionId").asString("");
					if (!original.isBlank() && item.path("status").isNumber()) {
						last.add(new LastTransaction(item.path("status").asInt(), original,
								text(item.path("signedTransactionInfo")), text(item.path("signedRenewalInfo"))));
					}
				}
			}
			return new Statuses(text(response.path("environment")), text(response.path("bundleId")), last);
		}
		catch (JacksonException e) {
			throw new Unavailable("Get All Subscription Statuses answered what is not JSON", e);
		}
	}

	/** The {@code errorCode} of an error answer ({@code ErrorResponse}), 0 when it has none. */
	private long errorCode(String body) {
		try {
			return json.readTree(body).path("errorCode").asLong(0);
		}
		catch (JacksonException e) {
			return 0;
		}
	}

	private static @Nullable String text(JsonNode node) {
		String value = node.asString("");
		return value.isBlank() ? null : value;
	}

	private static String segment(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
	}
}
