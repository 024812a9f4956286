package dev.subdesk.api;

import dev.subdesk.idempotency.AnswerWaits;
import dev.subdesk.idempotency.IdempotentAnswers;
import dev.subdesk.shared.CanonicalJson;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Idempotency-Key} on POST, PATCH and DELETE. A key is scoped to the API key presented (its
 * {@link ApiKey#fingerprint}, whatever the spelling of the {@code Authorization} header); a request without a key (a
 * public endpoint) stores nothing. Only the SHA-256 of the {@code Idempotency-Key} is kept. Its fingerprint is the
 * method, the path and the body's canonical JSON. The same key and fingerprint within 24 hours replays the
 * first answer; another fingerprint is {@code 422 IDEMPOTENCY_KEY_REUSED}. Answers below 500 are stored.
 * Concurrent requests with one key run one after the other: the first claims the key with a pending row
 * and the others wait for its answer, however long it takes, without holding a request thread: such a request is
 * put in asynchronous mode and left with {@link AnswerWaits}, which hands it back to the server (an asynchronous
 * dispatch through the whole filter chain, which runs this filter again) once the first answered, gave the key up
 * (a 5xx) or its claim went stale. It then claims the key again: the stored answer is replayed, or it runs itself. A
 * request the node cannot keep waiting (too many waiting, or the node is stopping) is answered
 * {@code 409 IDEMPOTENCY_KEY_IN_USE} with {@code Retry-After}.
 */
@Component
@Order(ApiSecurity.AFTER_THE_KEY + 5)
class IdempotencyFilter extends OncePerRequestFilter {

	private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

	/** What a request's first dispatch worked out, kept for its dispatch after a wait: the same, and asked once. */
	private static final String EXCHANGE = IdempotencyFilter.class.getName() + ".exchange";

	private record Exchange(String scope, String key, String fingerprint, java.util.Set<String> named) {
	}

	/** The seconds a request refused a wait is told to retry after. */
	private static final String RETRY_AFTER = "1";

	private final IdempotentAnswers store;
	private final AnswerWaits waits;
	private final JsonMapper json;
	private final byte[] closedAnswer;

	IdempotencyFilter(IdempotentAnswers store, AnswerWaits waits, JsonMapper json) {
		this.store = store;
		this.waits = waits;
		this.json = json;
		this.closedAnswer = json.writeValueAsBytes(Problems.body(409, "ACCOUNT_CLOSED",
				"The account this request concerned is closed and its personal data erased, this stored answer with it; "
						+ "nothing was done again.",
				java.util.List.of()));
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String method = request.getMethod();
		return request.getHeader("Idempotency-Key") == null || !ApiSecurity.API_V1.matches(request)
				|| !("POST".equals(method) || "PATCH".equals(method) || "DELETE".equals(method));
	}

	/** A request that waited for its key comes back as an asynchronous dispatch: it claims the key again here. */
	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Optional<String> apiKey = ApiKey.fingerprint(request);
		if (apiKey.isEmpty()) {
			// Only a public endpoint gets here without a key (the key filter refused every other): nothing is stored.
			chain.doFilter(request, response);
			return;
		}
		String presented = request.getHeader("Idempotency-Key");
		if (presented.isEmpty() || presented.length() > 255) {
			Problems.write(response, json, SubdeskException.invalid("Idempotency-Key", "must be 1 to 255 characters"));
			return;
		}
		CachedBodyRequest cached = cachedBody(request);
		HttpServletRequest forward = inChain(request, cached) ? request : cached;
		Exchange exchange;
		if (request.getAttribute(EXCHANGE) instanceof Exchange kept) {
			exchange = kept;
		}
		else {
			String path = ApiSecurity.routedPath(request);
			exchange = new Exchange(apiKey.get(), IdempotentAnswers.sha256(presented),
					IdempotentAnswers.sha256(request.getMethod() + " " + path + " " + canonicalBody(request,
							cached.body())),
					store.accountsOf(path, cached.body(), new byte[0]));
			request.setAttribute(EXCHANGE, exchange);
		}
		String scope = exchange.scope();
		String key = exchange.key();
		String fingerprint = exchange.fingerprint();
		IdempotentAnswers.Claim claim = store.claim(scope, key, fingerprint, exchange.named());
		switch (claim) {
			case IdempotentAnswers.Claim.Owned owned -> run(forward, cached.body(), response, chain, scope, key,
					owned.owner());
			case IdempotentAnswers.Claim.Completed done -> {
				// an erased answer too: it keeps what tells its request from another one (shared/API.md Conventions)
				if (!done.fingerprint().equals(fingerprint)) {
					Problems.write(response, json, new SubdeskException(ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
							"This Idempotency-Key was used with another request"));
					return;
				}
				response.setStatus(done.status());
				if (done.erased()) {
					response.setContentType(Problems.PROBLEM_JSON.toString());
				}
				else if (done.contentType() != null) {
					response.setContentType(done.contentType());
				}
				response.setHeader("Idempotent-Replayed", "true");
				response.getOutputStream().write(done.erased() ? closedAnswer : done.body());
			}
			case IdempotentAnswers.Claim.InProgress busy -> awaitFirst(forward, cached.body().length, response, scope,
					key);
		}
	}

	/**
	 * The request's body, read once: the copy {@link RequestBodyFilter} made (a request with a body), or the one this
	 * filter made on the request's first dispatch (none), found in the request a dispatch after a wait hands back.
	 * Never a second copy: a waiting request holds its body once, whatever the number of its dispatches.
	 */
	private static CachedBodyRequest cachedBody(HttpServletRequest request) throws IOException {
		for (jakarta.servlet.ServletRequest r = request; r instanceof jakarta.servlet.ServletRequestWrapper wrapper;
				r = wrapper.getRequest()) {
			if (r instanceof CachedBodyRequest cached) {
				return cached;
			}
		}
		return new CachedBodyRequest(request, RequestBodyFilter.MAX_BODY_BYTES);
	}

	private static boolean inChain(jakarta.servlet.ServletRequest request, CachedBodyRequest cached) {
		for (jakarta.servlet.ServletRequest r = request;; r = ((jakarta.servlet.ServletRequestWrapper) r).getRequest()) {
			if (r == cached) {
				return true;
			}
			if (!(r instanceof jakarta.servlet.ServletRequestWrapper)) {
				return false;
			}
		}
	}

	/**
	 * Leaves the request waiting for the one holding its key, without a thread: asynchronous, it is dispatched again
	 * when {@link AnswerWaits} finds the key settled (or after {@link AnswerWaits#LONGEST_WAIT}, when the first's
	 * claim has gone stale in any case), and then claims the key again. Its body stays readable ({@code request} keeps
	 * it, and the dispatch finds it there: {@link #cachedBody}), and the dispatch goes through every filter again, the
	 * API key's check included. A request the node cannot keep waiting (too many waiting, too many bytes of bodies
	 * waiting: {@link AnswerWaits#MOST_WAITING_BYTES}) is answered at once: {@code 409 IDEMPOTENCY_KEY_IN_USE}, to
	 * retry (on another node, when this one is stopping).
	 */
	private void awaitFirst(HttpServletRequest request, int bodyBytes, HttpServletResponse response, String scope,
			String key) throws IOException {
		AsyncContext async = request.startAsync(request, response);
		async.setTimeout(AnswerWaits.LONGEST_WAIT.toMillis());
		WaitListener listener = new WaitListener(async);
		async.addListener(listener);
		Optional<AnswerWaits.Waiting> waiting = waits.waitFor(scope, key, bodyBytes, () -> redispatch(async));
		if (waiting.isPresent()) {
			listener.registered.set(waiting.get());
			request.setAttribute(RequestIds.WAITING, Boolean.TRUE);
			return;
		}
		response.setHeader("Retry-After", RETRY_AFTER);
		if (waits.stopping()) {
			response.setHeader("Connection", "close"); // the retry goes to another node
		}
		Problems.write(response, json, SubdeskException.of(ApiErrorCode.IDEMPOTENCY_KEY_IN_USE,
				"A request with this Idempotency-Key is still running, and this server cannot keep more requests "
						+ "waiting for it now; retry later"));
		async.complete();
	}

	/** What ends a request's wait besides its key settling: the request's end, its timeout, its client hanging up. */
	static final class WaitListener implements AsyncListener {

		private final AsyncContext async;

		final java.util.concurrent.atomic.AtomicReference<AnswerWaits.@Nullable Waiting> registered =
				new java.util.concurrent.atomic.AtomicReference<>();

		WaitListener(AsyncContext async) {
			this.async = async;
		}

		@Override
		public void onComplete(AsyncEvent event) {
			cancel();
		}

		@Override
		public void onTimeout(AsyncEvent event) {
			cancel();
			redispatch(async);
		}

		@Override
		public void onError(AsyncEvent event) {
			cancel();
			// the client went away: the request ends here, or the container would run an error dispatch (a 500)
			try {
				async.complete();
			}
			catch (IllegalStateException e) {
				// completed or dispatched meanwhile
			}
		}

		@Override
		public void onStartAsync(AsyncEvent event) {
			// a new wait registers a listener of its own
		}

		private void cancel() {
			AnswerWaits.Waiting waiting = registered.get();
			if (waiting != null) {
				waiting.cancel();
			}
		}
	}

	private static void redispatch(AsyncContext async) {
		try {
			async.dispatch();
		}
		catch (IllegalStateException e) {
			// the request has ended meanwhile (its client went away): nobody is left to answer
		}
	}

	/**
	 * Runs the request that owns the key and stores its answer (below 500) or gives the key up. However it ends (an
	 * exception included), the request's end is told once ({@link IdempotentAnswers#ended}): its waiters on this node
	 * claim the key again.
	 */
	private void run(HttpServletRequest request, byte[] body, HttpServletResponse response, FilterChain chain,
			String scope, String key, String owner) throws IOException, ServletException {
		ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
		boolean stored = false;
		// a request running longer than the lease is not taken for one whose node crashed
		try (IdempotentAnswers.Renewal lease = store.renewWhileRunning(scope, key, owner)) {
			chain.doFilter(request, wrapper);
			int status = wrapper.getStatus();
			if (status < 500) {
				// from here the request has had its effect: the key is never given up, or a retry would run it again
				stored = true;
				byte[] answer = wrapper.getContentAsByteArray();
				if (!complete(scope, key, owner, status, wrapper.getContentType(), answer,
						store.accountsOfAnswer(ApiSecurity.routedPath(request), body, answer))) {
					log.warn("An answer was not stored: its Idempotency-Key was taken over as stale while it ran, or "
							+ "an account it names was closed and the answer erased");
				}
			}
		}
		finally {
			try {
				if (!stored) {
					store.release(scope, key, owner);
				}
			}
			finally {
				store.ended(scope, key, owner);
				wrapper.copyBodyToResponse();
			}
		}
	}

	/**
	 * Stores the answer, trying again a few times when the database fails: if it cannot be stored, the key stays
	 * pending (a retry waits, and runs only once the claim is stale), never released for a retry to run at once.
	 */
	private boolean complete(String scope, String key, String owner, int status, @Nullable String contentType,
			byte[] answer, java.util.Set<String> accounts) {
		for (int attempt = 1;; attempt++) {
			try {
				return store.complete(scope, key, owner, status, contentType, answer, accounts);
			}
			catch (RuntimeException e) {
				if (attempt == 3) {
					log.error("The answer of a request that has had its effect could not be stored; its Idempotency-Key "
							+ "stays claimed until the claim is stale", e);
					return false;
				}
				pause(Duration.ofMillis(100L * attempt));
			}
		}
	}

	/**
	 * The body as the fingerprint reads it: its canonical JSON, so that key order and spacing do not make another
	 * request. Only a body whose text is certain is read so: UTF-8 (declared or not), every byte decoded, no half of a
	 * surrogate pair; any other is taken byte for byte with its declared charset, so that two bodies a handler reads
	 * differently never share a fingerprint. The JSON is read as the handlers read it ({@link JsonBody}): a body naming
	 * a field twice, or holding a number with a fraction or an exponent ({@code 100.0}, {@code 1e2}, which canonical
	 * JSON writes as {@code 100}) or a whole number beyond 2^53 (which canonical JSON rounds to a double), is taken as
	 * its text, so that a body the handler refuses and one it accepts never
	 * share a fingerprint.
	 */
	private String canonicalBody(HttpServletRequest request, byte[] body) {
		String declared = declaredCharset(request);
		String text = declared == null || declared.equals(StandardCharsets.UTF_8.name()) ? strictUtf8(body) : null;
		if (text == null || !dev.subdesk.shared.StorableText.storable(text)) {
			return "bytes " + declared + " " + java.util.HexFormat.of().formatHex(body);
		}
		if (text.isBlank()) {
			return "{}";
		}
		try {
			JsonNode tree = json.readerFor(JsonNode.class)
				.with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
				.readValue(text);
			if (tree == null || hasInexactNumber(tree)) {
				return "text " + text;
			}
			String canonical = CanonicalJson.of(tree);
			// an escaped half of a surrogate pair ("\ud800") would hash as "?" does
			return dev.subdesk.shared.StorableText.storable(canonical) ? canonical
					: "bytes " + java.util.HexFormat.of().formatHex(body);
		}
		catch (JacksonException | IllegalArgumentException e) {
			return "text " + text;
		}
	}

	/** A number canonical JSON writes through a double: a fraction or exponent, or a whole number beyond 2^53. */
	private static boolean hasInexactNumber(JsonNode node) {
		if (node.isNumber()) {
			return !node.isIntegralNumber() || node.bigIntegerValue().abs().bitLength() > 53;
		}
		for (JsonNode child : node) {
			if (hasInexactNumber(child)) {
				return true;
			}
		}
		return false;
	}

	/** The charset the request's {@code Content-Type} declares, by its canonical name; null when none. */
	private static @Nullable String declaredCharset(HttpServletRequest request) {
		String type = request.getContentType();
		if (type == null) {
			return null;
		}
		try {
			java.nio.charset.Charset charset = org.springframework.http.MediaType.parseMediaType(type).getCharset();
			return charset == null ? null : charset.name();
		}
		catch (RuntimeException e) {
			return "unreadable: " + type; // an unknown charset or a malformed type: the handler refuses it anyway
		}
	}

	private static @Nullable String strictUtf8(byte[] body) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
				.onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
				.decode(java.nio.ByteBuffer.wrap(body))
				.toString();
		}
		catch (java.nio.charset.CharacterCodingException e) {
			return null;
		}
	}

	private static void pause(Duration duration) {
		try {
			Thread.sleep(duration);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
