package dev.subdesk.stores;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Google's OAuth 2.0 token endpoint and the Play Developer API's {@code subscriptionsv2.get} on a local port, as
 * the tests need them: the token endpoint accepts only a JWT bearer grant signed by the service account's key (checked
 * with the public key, not with the adapter's code) and hands out access tokens; the API answers the purchases put
 * here to a caller with a current access token, {@code 401} otherwise, and can be told to fail.
 */
final class FakeGoogleApis implements AutoCloseable {

	static final String CLIENT_EMAIL = "subdesk-play@acme-test.iam.example";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	final KeyPair serviceAccountKey;
	final List<Map<String, Object>> grants = new CopyOnWriteArrayList<>();
	final List<String> apiAuthorizations = new CopyOnWriteArrayList<>();
	final AtomicInteger apiStatus = new AtomicInteger(0);
	/** The purchase tokens {@code subscriptionsv2.get} was asked about, in order, answered or not. */
	final List<String> asked = new CopyOnWriteArrayList<>();
	/**
	 * Google's own time, when set: as Google does, the token endpoint then refuses ({@code 400 invalid_grant}) an
	 * assertion issued more than 5 minutes away from it or already expired by it. Unset: any time is taken.
	 */
	final AtomicReference<@Nullable Clock> googleTime = new AtomicReference<>();
	private final Map<String, String> purchases = new ConcurrentHashMap<>();
	/**
	 * The status {@code subscriptionsv2.get} answers about a purchase token put here (410: one Google no longer keeps),
	 * with its {@link #errorBody default body}, or the one {@link #answer} put.
	 */
	final Map<String, Integer> tokenStatus = new ConcurrentHashMap<>();
	/** The body answered with a purchase token's {@link #tokenStatus}, when not its default. */
	final Map<String, String> tokenBody = new ConcurrentHashMap<>();

	/**
	 * Google's error body ({@code error.errors[]} as the Play Developer API answers): {@code status} its
	 * {@code error.status} (null: none), {@code reason} its one error's reason.
	 */
	static String error(int code, @Nullable String status, String reason, String location, String message) {
		Map<String, Object> error = new java.util.LinkedHashMap<>();
		error.put("code", code);
		error.put("message", message);
		if (status != null) {
			error.put("status", status);
		}
		error.put("errors", List.of(Map.of("domain", "global", "reason", reason, "location", location, "locationType",
				"parameter", "message", message)));
		return JSON.writeValueAsString(Map.of("error", error));
	}

	/** A purchase token Google does not know. */
	static final String TOKEN_NOT_FOUND = error(404, "NOT_FOUND", "purchaseTokenNotFound", "token",
			"The purchase token was not found.");

	/** A package name Google has no app of (or none our service account may see). */
	static final String APPLICATION_NOT_FOUND = error(404, "NOT_FOUND", "applicationNotFound", "packageName",
			"No application was found for the given package name.");

	/** The API reference's generic 404: an identifier (a purchase token, a package name ...) not found. */
	static final String NOT_FOUND = error(404, "NOT_FOUND", "notFound", "packageName",
			"The requested resource could not be found.");

	/** A subscription expired too long ago for Google to keep it (60 days). */
	static final String NO_LONGER_AVAILABLE = error(410, null, "subscriptionPurchaseNoLongerAvailable", "token",
			"The subscription purchase is no longer available for query because it has been expired for too long.");

	/** What Google answers with {@code status} when nothing else was put: a 404 about the token, a 410 long expired. */
	static String errorBody(int status) {
		return switch (status) {
			case 404 -> TOKEN_NOT_FOUND;
			case 410 -> NO_LONGER_AVAILABLE;
			default -> "{\"error\":{\"code\":" + status + "}}";
		};
	}

	/** Every call about {@code token} is answered {@code status} with {@code body} from now on. */
	void answer(String token, int status, String body) {
		tokenBody.put(token, body);
		tokenStatus.put(token, status);
	}
	/** How the API answers every call, when set: {@link #TRICKLE} or {@link #HUGE}. */
	final AtomicReference<@Nullable String> answerMode = new AtomicReference<>();

	/** The answer's headers, then a byte of its body now and then, for as long as the caller waits. */
	static final String TRICKLE = "trickle";

	/** A {@code 200} whose body is 2 MB. */
	static final String HUGE = "huge";
	private final List<String> issued = new CopyOnWriteArrayList<>();
	/** The next call about a purchase token put here is held ({@link #hold}). */
	private final Map<String, Held> holds = new ConcurrentHashMap<>();
	private final HttpServer server;
	private final ExecutorService executor = Executors.newCachedThreadPool();

	/**
	 * A call held: {@code subscriptionsv2.get} read the purchase as it was when the call came, and sends that answer
	 * only once {@link #release released}, so that a test can change the purchase and have another call read it
	 * meanwhile.
	 */
	static final class Held {

		private final CountDownLatch asked = new CountDownLatch(1);
		private final CountDownLatch released = new CountDownLatch(1);

		/** Waits (10 s at most) until the call came and its answer was read. */
		void awaitAsked() {
			try {
				if (!asked.await(10, TimeUnit.SECONDS)) {
					throw new AssertionError("the held call never came");
				}
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new AssertionError(e);
			}
		}

		/** Sends the answer read when the call came. */
		void release() {
			released.countDown();
		}
	}

	/** Holds the next call about {@code token} ({@link Held}); the ones after it are answered at once. */
	Held hold(String token) {
		Held held = new Held();
		holds.put(token, held);
		return held;
	}

	FakeGoogleApis() throws IOException {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
			generator.initialize(2048);
			serviceAccountKey = generator.generateKeyPair();
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		server.setExecutor(executor); // a held call must not hold the others
		server.createContext("/token", this::token);
		server.createContext("/androidpublisher/", this::purchase);
		server.start();
	}

	URI base() {
		return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
	}

	/** A service account key file as Google's console downloads it, pointing at this token endpoint. */
	String keyFile() {
		String pem = "-----BEGIN PRIVATE KEY-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
					.encodeToString(serviceAccountKey.getPrivate().getEncoded())
				+ "\n-----END PRIVATE KEY-----\n";
		return JSON.writeValueAsString(Map.of("type", "service_account", "project_id", "acme-test", "private_key_id",
				"key-1", "private_key", pem, "client_email", CLIENT_EMAIL, "token_uri", base() + "/token"));
	}

	Path writeKeyFile(Path directory) throws IOException {
		return Files.writeString(directory.resolve("service-account.json"), keyFile());
	}

	/** What {@code subscriptionsv2.get} answers for {@code package}/{@code token} from now on (a JSON body). */
	void put(String packageName, String token, String subscriptionPurchaseV2) {
		purchases.put(packageName + "/" + token, subscriptionPurchaseV2);
	}

	/** Makes {@code subscriptionsv2.get} answer {@code 404} for {@code package}/{@code token} from now on. */
	void forget(String packageName, String token) {
		purchases.remove(packageName + "/" + token);
	}

	/** Makes every access token issued so far unknown, as when Google revokes or expires them early. */
	void forgetAccessTokens() {
		issued.clear();
	}

	private static void answer(HttpExchange exchange, int status, String body) {
		FakeAnswers.answer(exchange, status, body);
	}

	private void token(HttpExchange exchange) throws IOException {
		String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
		Map<String, String> form = java.util.Arrays.stream(body.split("&"))
			.map(pair -> pair.split("=", 2))
			.collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p.length > 1 ? p[1] : "", StandardCharsets.UTF_8)));
		try {
			SignedJWT assertion = SignedJWT.parse(form.getOrDefault("assertion", ""));
			boolean signed = assertion.verify(new RSASSAVerifier((RSAPublicKey) serviceAccountKey.getPublic()));
			var claims = assertion.getJWTClaimsSet();
			grants.add(Map.of("grant_type", form.getOrDefault("grant_type", ""), "signed", signed, "iss",
					String.valueOf(claims.getIssuer()), "aud", claims.getAudience(), "scope", String.valueOf(claims.getClaim("scope")),
					"alg", assertion.getHeader().getAlgorithm().getName(), "kid", String.valueOf(assertion.getHeader().getKeyID()),
					"lifetime", (claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000,
					"iat", claims.getIssueTime().toInstant()));
			Clock google = googleTime.get();
			boolean timely = google == null
					|| (Duration.between(google.instant(), claims.getIssueTime().toInstant()).abs()
						.compareTo(Duration.ofMinutes(5)) <= 0
							&& claims.getExpirationTime().toInstant().isAfter(google.instant()));
			if (!signed || !timely || !"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
				answer(exchange, 400, "{\"error\":\"invalid_grant\"}");
				return;
			}
		}
		catch (Exception e) {
			answer(exchange, 400, "{\"error\":\"invalid_request\"}");
			return;
		}
		String token = "ya29." + UUID.randomUUID();
		issued.add(token);
		answer(exchange, 200, "{\"access_token\":\"" + token + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
	}

	/**
	 * A voided order as {@code purchases.voidedpurchases.list} lists it, and when Google's systems saw it voided (what
	 * the list's {@code startTime} and {@code endTime} filter on).
	 */
	record VoidedEntry(String packageName, java.time.Instant seenAt, Map<String, Object> entry) {
	}

	/** The voided orders the list answers, oldest seen first. */
	final List<VoidedEntry> voided = new CopyOnWriteArrayList<>();

	/** The query parameters of each call of the voided purchases' list, in order. */
	final List<Map<String, String>> voidedQueries = new CopyOnWriteArrayList<>();

	/** How many entries a page of the voided purchases' list holds at most (Google's own: 1000). */
	final AtomicInteger voidedPageSize = new AtomicInteger(1000);

	/** The status the voided purchases' list answers, when set (0: its list), with {@link #voidedBody} if set. */
	final AtomicInteger voidedStatus = new AtomicInteger(0);

	/** The status a call of the voided purchases' list with a page token answers, when set (0: its page). */
	final AtomicInteger voidedTokenStatus = new AtomicInteger(0);

	/** The body the voided purchases' list answers instead of its list, when set. */
	final AtomicReference<@Nullable String> voidedBody = new AtomicReference<>();

	/**
	 * A voided order of {@code token} Google saw voided at {@code seenAt}, voided at {@code voidedAt}: the entry as
	 * Google's reference shows it (times as strings of milliseconds).
	 */
	void voided(String packageName, String token, String orderId, java.time.Instant seenAt, java.time.Instant voidedAt) {
		Map<String, Object> entry = new java.util.LinkedHashMap<>();
		entry.put("kind", "androidpublisher#voidedPurchase");
		entry.put("purchaseToken", token);
		entry.put("purchaseTimeMillis", String.valueOf(voidedAt.minus(Duration.ofDays(3)).toEpochMilli()));
		entry.put("voidedTimeMillis", String.valueOf(voidedAt.toEpochMilli()));
		entry.put("orderId", orderId);
		entry.put("voidedSource", 0);
		entry.put("voidedReason", 1);
		entry.put("refundType", 1);
		voided.add(new VoidedEntry(packageName, seenAt, entry));
	}

	/**
	 * {@code GET .../applications/{package}/purchases/voidedpurchases}: with a current access token, the entries of the
	 * package seen voided from {@code startTime} to {@code endTime} (both needed here; Google's defaults are not
	 * played), oldest first, {@link #voidedPageSize} a page; a {@code token} (this fake's: the window and the offset)
	 * names a later page, and the window is then the token's. {@code 400} without {@code type=1}, which leaves
	 * subscriptions out, or for a token not this fake's, or a {@code startTime} more than 30 days back.
	 */
	private void voidedList(HttpExchange exchange, String authorization, String packageName) {
		Map<String, String> query = new java.util.LinkedHashMap<>();
		String raw = exchange.getRequestURI().getRawQuery();
		for (String pair : raw == null ? new String[0] : raw.split("&")) {
			String[] p = pair.split("=", 2);
			query.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8),
					URLDecoder.decode(p.length > 1 ? p[1] : "", StandardCharsets.UTF_8));
		}
		voidedQueries.add(query);
		if (!authorization.startsWith("Bearer ") || !issued.contains(authorization.substring(7))) {
			answer(exchange, 401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}");
			return;
		}
		if (voidedStatus.get() != 0 || voidedBody.get() != null) {
			int status = voidedStatus.get() == 0 ? 200 : voidedStatus.get();
			String body = voidedBody.get();
			answer(exchange, status, body != null ? body : errorBody(status));
			return;
		}
		if (voidedTokenStatus.get() != 0 && query.containsKey("token")) {
			answer(exchange, voidedTokenStatus.get(), errorBody(voidedTokenStatus.get()));
			return;
		}
		if (!"1".equals(query.get("type"))) {
			answer(exchange, 400, error(400, "INVALID_ARGUMENT", "invalidValue", "type", "subscriptions left out"));
			return;
		}
		long start;
		long end;
		int offset;
		String token = query.get("token");
		try {
			if (token != null) {
				String[] t = token.split(":");
				if (t.length != 4 || !"page".equals(t[0])) {
					throw new IllegalArgumentException(token);
				}
				start = Long.parseLong(t[1]);
				end = Long.parseLong(t[2]);
				offset = Integer.parseInt(t[3]);
			}
			else {
				start = Long.parseLong(query.getOrDefault("startTime", ""));
				end = Long.parseLong(query.getOrDefault("endTime", ""));
				offset = 0;
			}
		}
		catch (IllegalArgumentException e) {
			answer(exchange, 400, error(400, "INVALID_ARGUMENT", "invalidValue", "token", "Invalid value"));
			return;
		}
		int max = Math.min(Integer.parseInt(query.getOrDefault("maxResults", "1000")), voidedPageSize.get());
		List<Map<String, Object>> window = voided.stream()
			.filter(v -> v.packageName().equals(packageName))
			.filter(v -> v.seenAt().toEpochMilli() >= start && v.seenAt().toEpochMilli() <= end)
			.map(VoidedEntry::entry)
			.toList();
		List<Map<String, Object>> page = window.subList(Math.min(offset, window.size()),
				Math.min(offset + max, window.size()));
		Map<String, Object> body = new java.util.LinkedHashMap<>();
		if (offset + max < window.size()) {
			body.put("tokenPagination", Map.of("nextPageToken", "page:" + start + ":" + end + ":" + (offset + max)));
		}
		body.put("voidedPurchases", page);
		answer(exchange, 200, JSON.writeValueAsString(body));
	}

	private void purchase(HttpExchange exchange) throws IOException {
		String authorization = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
		apiAuthorizations.add(authorization);
		if (exchange.getRequestURI().getRawPath().endsWith("/purchases/voidedpurchases")) {
			voidedList(exchange, authorization,
					URLDecoder.decode(exchange.getRequestURI().getRawPath().split("/")[4], StandardCharsets.UTF_8));
			return;
		}
		String[] segments = exchange.getRequestURI().getRawPath().split("/");
		asked.add(URLDecoder.decode(segments[segments.length - 1], StandardCharsets.UTF_8));
		if (apiStatus.get() != 0) {
			answer(exchange, apiStatus.get(), errorBody(apiStatus.get()));
			return;
		}
		if (!authorization.startsWith("Bearer ") || !issued.contains(authorization.substring(7))) {
			answer(exchange, 401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}");
			return;
		}
		// /androidpublisher/v3/applications/{package}/purchases/subscriptionsv2/tokens/{token}
		String[] path = exchange.getRequestURI().getRawPath().split("/");
		String key = URLDecoder.decode(path[4], StandardCharsets.UTF_8) + "/"
				+ URLDecoder.decode(path[path.length - 1], StandardCharsets.UTF_8);
		String token = URLDecoder.decode(path[path.length - 1], StandardCharsets.UTF_8);
		Integer status = tokenStatus.get(token);
		if (status != null) {
			answer(exchange, status, tokenBody.getOrDefault(token, errorBody(status)));
			return;
		}
		String found = purchases.get(key);
		Held held = holds.remove(token);
		if (held != null) {
			held.asked.countDown();
			try {
				held.released.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		if (TRICKLE.equals(answerMode.get())) {
			FakeAnswers.trickle(exchange);
			return;
		}
		if (HUGE.equals(answerMode.get())) {
			answer(exchange, 200, found == null ? "{}" : FakeAnswers.padded(found));
			return;
		}
		if (found == null) {
			answer(exchange, 404, TOKEN_NOT_FOUND);
			return;
		}
		answer(exchange, 200, found);
	}

	@Override
	public void close() {
		holds.values().forEach(Held::release);
		server.stop(0);
		executor.shutdownNow();
	}
}
