package dev.subdesk.stores;

import static dev.subdesk.stores.FakeAnswers.answer;

import com.nimbusds.jose.crypto.ECDSAVerifier;
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
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The App Store Server API's Get All Subscription Statuses ({@code GET /inApps/v1/subscriptions/{transactionId}}) on a
 * local port, as the tests need it: it answers only a caller whose JWT verifies with the public half of the key pair
 * made here (the private half is the key file the server is configured with) and has Apple's header and claims
 * (checked with the public key, not with the adapter's code), {@code 401} otherwise; it answers the statuses put here,
 * {@code 404} for another transaction, and can be told to fail with a status, or to answer nothing until released
 * (a timeout). As Apple does, it signs an answer when asked ({@link #put(String, Function)}: the {@code signedDate} of
 * its signed transaction and renewal info is the time of the call, by the clock it {@link #keepTime keeps}); an
 * answer {@link #put(String, Map) put as it is} says what it was signed with (the fallback when it says no time).
 */
final class FakeAppStoreServerApi implements AutoCloseable {

	static final String KEY_ID = "2X9R4HXF34";

	static final String ISSUER_ID = "57246542-96fe-1a63-e053-0824d011072a";

	static final String BUNDLE_ID = "example.acme.app";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** A call the fake took: its transaction id, its JWT and whether that JWT was good. */
	record Call(String transactionId, String jwt, boolean accepted) {
	}

	final KeyPair key;
	final List<Call> calls = new CopyOnWriteArrayList<>();
	/** The status every call about a transaction put here is answered with; 0: none until released. */
	private final Map<String, Integer> failures = new ConcurrentHashMap<>();
	private volatile CountDownLatch held = new CountDownLatch(1);
	/** The answer about a transaction, as Apple signs it at a given time. */
	private final Map<String, Function<Instant, String>> answers = new ConcurrentHashMap<>();
	/** Apple's clock: the time it signs its answers at. */
	private volatile @Nullable Clock clock;
	/** The error code a {@code 404} about a transaction put here carries, instead of 4040010. */
	private final Map<String, Long> notFound = new ConcurrentHashMap<>();
	/** How long the answers about a transaction put here are held before they are sent, in milliseconds. */
	private final Map<String, Long> delays = new ConcurrentHashMap<>();
	/** When set, every call is answered {@code 404} with this error code, as when our bundle id is not Apple's. */
	volatile long everyCallNotFound;

	/** A failure: the answer's headers, then a byte of its body now and then, for as long as the caller waits. */
	static final int TRICKLE = -1;

	/** A failure: a {@code 200} whose body is 2 MB. */
	static final int HUGE = -2;
	private final HttpServer server;
	private final ExecutorService executor = Executors.newCachedThreadPool();

	FakeAppStoreServerApi() throws IOException {
		try {
			KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
			generator.initialize(new ECGenParameterSpec("secp256r1"));
			key = generator.generateKeyPair();
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
		server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		server.setExecutor(executor); // a held call must not hold the others
		server.createContext("/inApps/v1/subscriptions/", this::statuses);
		server.start();
	}

	URI base() {
		return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
	}

	/** The private key as App Store Connect hands it out: a {@code .p8} file, PKCS#8 in PEM. */
	Path writeKeyFile(Path directory) throws IOException {
		String pem = "-----BEGIN PRIVATE KEY-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getPrivate().getEncoded())
				+ "\n-----END PRIVATE KEY-----\n";
		return Files.writeString(directory.resolve("SubscriptionKey_" + KEY_ID + ".p8"), pem);
	}

	/**
	 * Apple's clock from now on: the tests' App Store keeps the server's (the test clock), as the real one keeps time
	 * close to ours. Needed for the answers signed when asked.
	 */
	void keepTime(Clock serverClock) {
		clock = serverClock;
	}

	/**
	 * What Get All Subscription Statuses answers about {@code transactionId} from now on, signed by Apple when it is
	 * asked: {@code signedAt} makes it, given the time of the call (by the clock kept, {@link #keepTime}).
	 */
	void put(String transactionId, Function<Instant, ? extends Map<String, ?>> signedAt) {
		if (clock == null) {
			throw new IllegalStateException("The fake App Store signs its answers when asked: give it the server's "
					+ "clock first (keepTime)");
		}
		answers.put(transactionId, at -> JSON.writeValueAsString(signedAt.apply(at)));
	}

	/**
	 * What Get All Subscription Statuses answers about {@code transactionId} from now on, as it is: its signed data
	 * says when it was signed, or (no {@code signedDate}) nothing of it.
	 */
	void put(String transactionId, Map<String, ?> statusResponse) {
		String json = JSON.writeValueAsString(statusResponse);
		answers.put(transactionId, at -> json);
	}

	/** Every call about {@code transactionId} is answered {@code status} from now on; 0: not answered in time. */
	void fail(String transactionId, int status) {
		failures.put(transactionId, status);
	}

	/** Every call about {@code transactionId} is answered {@code 404} with {@code errorCode} from now on. */
	void notFound(String transactionId, long errorCode) {
		notFound.put(transactionId, errorCode);
	}

	/** Every answer about {@code transactionId} is sent {@code millis} late from now on. */
	void delay(String transactionId, long millis) {
		delays.put(transactionId, millis);
	}

	/** Every call is answered again; the calls not answered are let go. */
	void recover() {
		failures.clear();
		notFound.clear();
		delays.clear();
		everyCallNotFound = 0;
		CountDownLatch was = held;
		held = new CountDownLatch(1);
		was.countDown();
	}

	/** The calls about {@code transactionId}. */
	long asked(String transactionId) {
		return calls.stream().filter(c -> c.transactionId().equals(transactionId)).count();
	}

	/** Whether the JWT is signed by the key and is as Apple takes it, at real time {@code now}. */
	static boolean acceptable(String jwt, ECPublicKey publicKey, Instant now) {
		try {
			SignedJWT token = SignedJWT.parse(jwt);
			var header = token.getHeader();
			var claims = token.getJWTClaimsSet();
			Instant iat = claims.getIssueTime().toInstant();
			Instant exp = claims.getExpirationTime().toInstant();
			return token.verify(new ECDSAVerifier(publicKey)) && "ES256".equals(header.getAlgorithm().getName())
					&& KEY_ID.equals(header.getKeyID()) && header.getType() != null
					&& "JWT".equals(header.getType().getType()) && ISSUER_ID.equals(claims.getIssuer())
					&& List.of("appstoreconnect-v1").equals(claims.getAudience())
					&& BUNDLE_ID.equals(claims.getClaim("bid")) && !iat.isAfter(now.plusSeconds(60))
					&& exp.isAfter(now) && !exp.isAfter(iat.plusSeconds(3600));
		}
		catch (Exception e) {
			return false;
		}
	}

	private void statuses(HttpExchange exchange) throws IOException {
		String[] path = exchange.getRequestURI().getRawPath().split("/");
		String transactionId = URLDecoder.decode(path[path.length - 1], StandardCharsets.UTF_8);
		String authorization = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
		String jwt = authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
		boolean accepted = acceptable(jwt, (ECPublicKey) key.getPublic(), Instant.now());
		calls.add(new Call(transactionId, jwt, accepted));
		Integer failure = failures.get(transactionId);
		if (failure != null && failure == 0) {
			try {
				held.await(60, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			return; // the caller timed out
		}
		if (failure != null && failure == TRICKLE) {
			FakeAnswers.trickle(exchange);
			return;
		}
		if (failure != null && failure == HUGE) {
			answer(exchange, 200, FakeAnswers.padded("{\"environment\":\"Production\",\"bundleId\":\"" + BUNDLE_ID
					+ "\",\"data\":[]}"));
			return;
		}
		Long delay = delays.get(transactionId);
		if (delay != null) {
			try {
				Thread.sleep(delay); // a slow App Store, not a timing assertion
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}
		if (failure != null) {
			answer(exchange, failure, "{\"errorCode\":" + failure + "0000,\"errorMessage\":\"fake\"}");
			return;
		}
		if (!accepted) {
			answer(exchange, 401, "Unauthenticated");
			return;
		}
		long everyCall = everyCallNotFound;
		if (everyCall != 0 || notFound.containsKey(transactionId)) {
			answer(exchange, 404, "{\"errorCode\":" + (everyCall != 0 ? everyCall : notFound.get(transactionId))
					+ ",\"errorMessage\":\"fake\"}");
			return;
		}
		Function<Instant, String> found = answers.get(transactionId);
		if (found == null) {
			answer(exchange, 404, "{\"errorCode\":4040010,\"errorMessage\":\"Transaction id not found.\"}");
			return;
		}
		Clock appleTime = clock;
		answer(exchange, 200, found.apply(appleTime == null ? Instant.now() : appleTime.instant()));
	}

	@Override
	public void close() {
		held.countDown();
		server.stop(0);
		executor.shutdownNow();
	}
}
