package dev.subdesk.stores;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
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
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Play Developer API itself: {@code GET /androidpublisher/v3/applications/{package}/purchases/subscriptionsv2/tokens/{token}}
 * with an OAuth 2.0 access token of the vendor's service account, got by the JWT bearer grant (RFC 7523: a JWT the
 * service account's key signs, RS256, scope {@code androidpublisher}) and kept until a minute before it expires. A
 * {@code 404} or {@code 410} whose reasons say so ({@link #unknownPurchase}) is a token Google does not know (or a
 * purchase it no longer keeps); a {@code 401} gets a new access token and one more try; anything else that is not an
 * answer (another {@code 404}, as {@code applicationNotFound}: a package name not Google's, or an app our service
 * account is not linked to; no whole answer within the timeout, an answer over {@link StoreHttp#MAX_BODY}:
 * {@link StoreHttp}) is {@link Unavailable}, so the push is refused and Pub/Sub pushes it again later. The
 * assertion and the access token's lifetime are in real time ({@link WallClock}), not the clock bean's: Google checks
 * them against its own clock, which the test clock does not move.
 */
final class GooglePlayDeveloperApi implements PlaySubscriptionsApi, PlayVoidedPurchasesApi {

	static final String SCOPE = "https://www.googleapis.com/auth/androidpublisher";

	/**
	 * The reason ({@code error.errors[].reason}) of a {@code 404} that says Google does not know the purchase token:
	 * {@code purchaseTokenNotFound} ("The purchase token was not found.", its location the {@code token}). The API
	 * reference's own {@code 404} reason, {@code notFound}, is given for any identifier not found (the purchase token,
	 * the package name ...), and {@code applicationNotFound} for the package: neither is about the purchase, nor is a
	 * {@code 404} without a reason. See DESIGN-NOTES, "Google's 404".
	 */
	static final Set<String> UNKNOWN_TOKEN = Set.of("purchaseTokenNotFound");

	/**
	 * The reasons of a {@code 410} that say Google no longer keeps the purchase: a subscription expired too long ago
	 * (60 days) for a query ({@code subscriptionPurchaseNoLongerAvailable}; {@code purchaseTokenNoLongerValid} before
	 * it). A {@code 410} without a reason counts too: Google announced it as answered "with no content".
	 */
	static final Set<String> NO_LONGER_KEPT = Set.of("subscriptionPurchaseNoLongerAvailable",
			"purchaseTokenNoLongerValid");

	/** The Play Developer API could not be asked (down, slow, refusing our account): nothing can be decided now. */
	static final class Unavailable extends RuntimeException {

		Unavailable(String message, @Nullable Throwable cause) {
			super(message, cause);
		}
	}

	/** The parts of a service account key file ({@code "type": "service_account"}) the grant needs. */
	record ServiceAccountKey(String clientEmail, @Nullable String keyId, RSAPrivateKey privateKey, URI tokenUri) {

		static ServiceAccountKey parse(String keyFile, JsonMapper json) {
			JsonNode key;
			try {
				key = json.readTree(keyFile);
			}
			catch (JacksonException e) {
				throw new IllegalArgumentException("not a JSON service account key", e);
			}
			String email = key.path("client_email").asString("");
			String pem = key.path("private_key").asString("");
			String tokenUri = key.path("token_uri").asString("https://oauth2.googleapis.com/token");
			if (email.isBlank() || pem.isBlank()) {
				throw new IllegalArgumentException("a service account key needs client_email and private_key");
			}
			if (tokenUri.isBlank()) {
				tokenUri = "https://oauth2.googleapis.com/token";
			}
			// the assertion sent there is good for an access token for an hour
			StoreAddresses.requireEndpoint("token_uri", tokenUri);
			String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
			try {
				var spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
				var privateKey = (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(spec);
				String keyId = key.path("private_key_id").asString("");
				return new ServiceAccountKey(email, keyId.isBlank() ? null : keyId, privateKey, URI.create(tokenUri.strip()));
			}
			catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
				throw new IllegalArgumentException("private_key is not a PKCS#8 RSA key in PEM", e);
			}
		}
	}

	private record AccessToken(String value, Instant expiresAt) {
	}

	private final ServiceAccountKey account;
	private final URI baseUrl;
	private final Duration timeout;
	private final HttpClient http;
	private final JsonMapper json;
	private final WallClock wallClock;
	private @Nullable AccessToken token;

	GooglePlayDeveloperApi(ServiceAccountKey account, URI baseUrl, Duration timeout, JsonMapper json, WallClock wallClock) {
		this.account = account;
		this.baseUrl = baseUrl;
		this.timeout = timeout;
		this.json = json;
		this.wallClock = wallClock;
		this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
	}

	@Override
	public Optional<PlaySubscription> get(String packageName, String purchaseToken) {
		URI uri = baseUrl.resolve("/androidpublisher/v3/applications/" + segment(packageName)
				+ "/purchases/subscriptionsv2/tokens/" + segment(purchaseToken));
		HttpResponse<String> answer = send(uri, accessToken(false), "purchases.subscriptionsv2.get");
		if (answer.statusCode() == 401) {
			answer = send(uri, accessToken(true), "purchases.subscriptionsv2.get");
		}
		return switch (answer.statusCode()) {
			case 200 -> Optional.of(purchase(answer.body()));
			case 404, 410 -> {
				GoogleError error = GoogleError.of(answer.body(), json);
				if (unknownPurchase(answer.statusCode(), error)) {
					yield Optional.empty();
				}
				// a package name not Google's, an app not linked to our service account, an identifier: no answer
				throw new Unavailable("purchases.subscriptionsv2.get answered " + answer.statusCode() + " " + error, null);
			}
			default -> throw new Unavailable("purchases.subscriptionsv2.get answered " + answer.statusCode(), null);
		};
	}

	/** The longest page token kept between runs: Google's are far shorter. */
	static final int PAGE_TOKEN_LIMIT = 2000;

	/**
	 * {@code GET /androidpublisher/v3/applications/{package}/purchases/voidedpurchases?type=1&maxResults=..} with
	 * {@code startTime} and {@code endTime} (milliseconds), or with the {@code token} of the page asked for. A
	 * {@code 401} gets a new access token and one more try, as for a purchase; a {@code 400} to a page token is
	 * {@link PageTokenRefused}; any other answer that is not a list ({@code 403} without the "View financial data"
	 * permission, {@code 5xx}, a body that is not Google's list) is {@link Unavailable}.
	 */
	@Override
	public VoidedPage list(String packageName, Query query) {
		StringBuilder parameters = new StringBuilder("type=1&maxResults=").append(query.maxResults());
		if (query.pageToken() != null) {
			parameters.append("&token=").append(URLEncoder.encode(query.pageToken(), StandardCharsets.UTF_8));
		}
		else {
			parameters.append("&startTime=").append(query.startTime().toEpochMilli())
				.append("&endTime=").append(query.endTime().toEpochMilli());
		}
		URI uri = baseUrl.resolve("/androidpublisher/v3/applications/" + segment(packageName)
				+ "/purchases/voidedpurchases?" + parameters);
		String what = "purchases.voidedpurchases.list";
		HttpResponse<String> answer = send(uri, accessToken(false), what);
		if (answer.statusCode() == 401) {
			answer = send(uri, accessToken(true), what);
		}
		if (answer.statusCode() == 400 && query.pageToken() != null) {
			throw new PageTokenRefused(what + " refused the page token: " + GoogleError.of(answer.body(), json));
		}
		if (answer.statusCode() != 200) {
			throw new Unavailable(what + " answered " + answer.statusCode() + " " + GoogleError.of(answer.body(), json),
					null);
		}
		return voidedPage(answer.body());
	}

	/**
	 * A {@code VoidedPurchasesListResponse}: an object whose {@code voidedPurchases} is an array (absent: none), and
	 * whose {@code tokenPagination.nextPageToken}, when given, is a token that can be kept; else {@link Unavailable}.
	 * An entry without a purchase token or voided time that can be kept is left out, with why.
	 */
	private VoidedPage voidedPage(String body) {
		JsonNode page;
		try {
			page = json.readTree(body);
		}
		catch (JacksonException e) {
			throw new Unavailable("purchases.voidedpurchases.list answered what is not JSON", e);
		}
		if (page == null || !page.isObject()) {
			throw new Unavailable("purchases.voidedpurchases.list answered what is not a list", null);
		}
		JsonNode entries = page.path("voidedPurchases");
		if (!entries.isMissingNode() && !entries.isNull() && !entries.isArray()) {
			throw new Unavailable("purchases.voidedpurchases.list answered voidedPurchases that is not an array", null);
		}
		JsonNode next = page.path("tokenPagination").path("nextPageToken");
		String nextToken = null;
		if (!next.isMissingNode() && !next.isNull()) {
			if (!next.isString() || !(next.stringValue().isEmpty()
					|| StoreFields.identifier(next.stringValue(), PAGE_TOKEN_LIMIT))) {
				throw new Unavailable("purchases.voidedpurchases.list answered a nextPageToken that cannot be kept", null);
			}
			nextToken = next.stringValue().isEmpty() ? null : next.stringValue();
		}
		List<Voided> voided = new ArrayList<>();
		List<String> unreadable = new ArrayList<>();
		int index = 0;
		for (JsonNode entry : entries.isArray() ? entries : json.createArrayNode()) {
			String token = entry.path("purchaseToken").asString("");
			String order = entry.path("orderId").asString("");
			Instant at = millis(entry.path("voidedTimeMillis"));
			if (!StoreFields.identifier(token, StoreFields.PURCHASE_TOKEN_LIMIT)) {
				unreadable.add("voidedPurchases[" + index + "]: no purchaseToken of 1 to "
						+ StoreFields.PURCHASE_TOKEN_LIMIT + " characters without control characters");
			}
			else if (at == null) {
				unreadable.add("voidedPurchases[" + index + "]: voidedTimeMillis is not milliseconds since 1970 before "
						+ "the year 10000");
			}
			else if (!order.isEmpty()
					&& !StoreFields.identifier(order, StoreFields.ID_LIMIT - Voided.PREFIX.length())) {
				unreadable.add("voidedPurchases[" + index + "]: orderId is not an id that can be kept");
			}
			else {
				voided.add(new Voided(token, order.isEmpty() ? null : order, at));
			}
			index++;
		}
		return new VoidedPage(List.copyOf(voided), nextToken, List.copyOf(unreadable));
	}

	/** Milliseconds since 1970 as Google sends them (a string of digits, or a number), if a date that can be kept. */
	private static @Nullable Instant millis(JsonNode value) {
		long millis;
		if (value.isIntegralNumber() && value.canConvertToLong()) {
			millis = value.longValue();
		}
		else if (value.isString() && value.stringValue().matches("[0-9]{1,18}")) {
			millis = Long.parseLong(value.stringValue());
		}
		else {
			return null;
		}
		Instant at = Instant.ofEpochMilli(millis);
		return StoreFields.date(at) ? at : null;
	}

	/**
	 * What Google's error body says: its {@code error.errors[].reason}s and {@code error.message}; {@code readable}
	 * false when the body is not Google's JSON (an empty body is readable, with no reasons).
	 */
	record GoogleError(boolean readable, List<String> reasons, String message) {

		static GoogleError of(String body, JsonMapper json) {
			if (body.isBlank()) {
				return new GoogleError(true, List.of(), "");
			}
			try {
				JsonNode error = json.readTree(body).path("error");
				if (!error.isObject()) {
					return new GoogleError(false, List.of(), "");
				}
				List<String> reasons = new ArrayList<>();
				error.path("errors").forEach(e -> reasons.add(e.path("reason").asString("")));
				String message = error.path("message").asString("");
				return new GoogleError(true, List.copyOf(reasons),
						message.length() > 200 ? message.substring(0, 200) + "..." : message);
			}
			catch (JacksonException e) {
				return new GoogleError(false, List.of(), "");
			}
		}

		@Override
		public String toString() {
			return readable ? reasons + (message.isEmpty() ? "" : " (" + message + ")")
					: "(a body that is not Google's error)";
		}
	}

	/**
	 * Whether a {@code 404} or {@code 410} says Google does not know the purchase token ({@link #UNKNOWN_TOKEN}) or no
	 * longer keeps the purchase ({@link #NO_LONGER_KEPT}); every reason must say so.
	 */
	static boolean unknownPurchase(int status, GoogleError error) {
		if (!error.readable()) {
			return false;
		}
		return switch (status) {
			case 404 -> !error.reasons().isEmpty() && UNKNOWN_TOKEN.containsAll(error.reasons());
			case 410 -> NO_LONGER_KEPT.containsAll(error.reasons());
			default -> false;
		};
	}

	private HttpResponse<String> send(URI uri, String accessToken, String what) {
		HttpRequest request = HttpRequest.newBuilder(uri)
			.timeout(timeout)
			.header("Authorization", "Bearer " + accessToken)
			.header("Accept", "application/json")
			.GET()
			.build();
		return exchange(request, what);
	}

	/** The cached access token, or a new one by the JWT bearer grant when it is missing, expiring or refused. */
	private synchronized String accessToken(boolean refused) {
		// Google's time, not the business clock's: a moved test clock must not date the assertion nor age the token
		Instant now = wallClock.instant();
		if (!refused && token != null && now.isBefore(token.expiresAt().minusSeconds(60))) {
			return token.value();
		}
		String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
				+ "&assertion=" + URLEncoder.encode(assertion(now), StandardCharsets.UTF_8);
		HttpRequest request = HttpRequest.newBuilder(account.tokenUri())
			.timeout(timeout)
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form))
			.build();
		HttpResponse<String> answer = exchange(request, "the token endpoint");
		if (answer.statusCode() != 200) {
			throw new Unavailable("the token endpoint answered " + answer.statusCode(), null);
		}
		try {
			JsonNode body = json.readTree(answer.body());
			String value = body.path("access_token").asString("");
			if (value.isBlank()) {
				throw new Unavailable("the token endpoint gave no access_token", null);
			}
			token = new AccessToken(value, now.plusSeconds(body.path("expires_in").asLong(3600)));
			return value;
		}
		catch (JacksonException e) {
			throw new Unavailable("the token endpoint's answer is not JSON", e);
		}
	}

	/** The service account's signed request for an access token (RFC 7523 section 2.1), valid for an hour. */
	private String assertion(Instant now) {
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(account.clientEmail())
			.audience(account.tokenUri().toString())
			.claim("scope", SCOPE)
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plusSeconds(3600)))
			.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(account.keyId()).build(), claims);
		try {
			jwt.sign(new RSASSASigner(account.privateKey()));
		}
		catch (JOSEException e) {
			throw new IllegalStateException("cannot sign with the service account key", e);
		}
		return jwt.serialize();
	}

	private HttpResponse<String> exchange(HttpRequest request, String what) {
		try {
			return StoreHttp.exchange(http, request, timeout);
		}
		catch (IOException e) {
			throw new Unavailable(what + " could not be reached: " + e.getMessage(), e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new Unavailable(what + ": interrupted", e);
		}
	}

	/**
	 * A {@code SubscriptionPurchaseV2}: its state, first line item, start, account link, cancellation context and latest
	 * order. One without a line item that names its product and expiry bills no period yet (a pending purchase,
	 * {@code SUBSCRIPTION_STATE_PENDING}), unless its state says it does, or it has none: then it is not Google's
	 * answer ({@link Unavailable}), as is one that is no JSON object.
	 */
	private PlaySubscription purchase(String body) {
		try {
			JsonNode p = json.readTree(body);
			if (p == null || !p.isObject()) {
				throw new Unavailable("purchases.subscriptionsv2.get answered what is not a purchase", null);
			}
			String state = p.path("subscriptionState").asString("");
			JsonNode item = p.path("lineItems").path(0);
			String productId = item.path("productId").asString("");
			String expiry = item.path("expiryTime").asString("");
			String start = p.path("startTime").asString(expiry);
			String account = p.path("externalAccountIdentifiers").path("obfuscatedExternalAccountId").asString("");
			if (productId.isBlank() || expiry.isBlank()) {
				if (state.isBlank() || PlaySubscription.BILLING_STATES.contains(state)) {
					throw new Unavailable("purchases.subscriptionsv2.get answered a purchase in "
							+ (state.isBlank() ? "no state" : StoreFields.quoted(state)) + " without a line item", null);
				}
				return PlaySubscription.withoutPeriod(state, account.isBlank() ? null : account);
			}
			String order = item.path("latestSuccessfulOrderId").asString("");
			if (order.isEmpty()) {
				order = p.path("latestOrderId").asString("");
			}
			return new PlaySubscription(state.isBlank() ? "SUBSCRIPTION_STATE_UNSPECIFIED" : state, productId,
					Instant.parse(start), Instant.parse(expiry),
					item.path("autoRenewingPlan").path("autoRenewEnabled").asBoolean(false),
					account.isBlank() ? null : account,
					p.path("canceledStateContext").has("userInitiatedCancellation"),
					// kept as a voided order's id is (PlayVoidedPurchasesApi.Voided): one that cannot be is no order known
					StoreFields.identifier(order, StoreFields.ID_LIMIT - Voided.PREFIX.length()) ? order : null);
		}
		catch (JacksonException | java.time.format.DateTimeParseException e) {
			throw new Unavailable("purchases.subscriptionsv2.get answered what is not a purchase", e);
		}
	}

	private static String segment(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
	}
}
