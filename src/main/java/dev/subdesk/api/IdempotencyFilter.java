package dev.subdesk.api;

import dev.subdesk.shared.CanonicalJson;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Idempotency-Key} on POST, PATCH and DELETE. A key is scoped to the API key presented (its
 * {@link ApiKey#fingerprint}, whatever the spelling of the {@code Authorization} header); a request without a key (a
 * public endpoint) stores nothing. Only the SHA-256 of the {@code Idempotency-Key} is kept. Its fingerprint is the
 * method, the path and the body's canonical JSON. The same key and fingerprint within 24 hours replays the
 * first answer; another fingerprint is {@code 422 IDEMPOTENCY_KEY_REUSED}. Answers below 500 are stored.
 * Concurrent requests with one key run one after the other: the first claims the key with a pending row
 * and the others wait for its answer.
 */
@Component
@Order(ApiSecurity.AFTER_THE_KEY + 5)
class IdempotencyFilter extends OncePerRequestFilter {

	static final Duration RETENTION = Duration.ofHours(24);

	private static final Duration WAIT_FOR_FIRST = Duration.ofSeconds(60);

	private final IdempotencyStore store;
	private final JsonMapper json;
	private final Clock clock;

	IdempotencyFilter(IdempotencyStore store, JsonMapper json, Clock clock) {
		this.store = store;
		this.json = json;
		this.clock = clock;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String method = request.getMethod();
		return request.getHeader("Idempotency-Key") == null || !ApiSecurity.API_V1.matches(request)
				|| !("POST".equals(method) || "PATCH".equals(method) || "DELETE".equals(method));
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
		CachedBodyRequest cached = new CachedBodyRequest(request, RequestBodyFilter.MAX_BODY_BYTES);
		String scope = apiKey.get();
		String key = sha256(presented);
		String fingerprint = sha256(request.getMethod() + " " + ApiSecurity.routedPath(request) + " " + canonicalBody(cached.body()));
		long deadline = System.nanoTime() + WAIT_FOR_FIRST.toNanos();
		while (true) {
			Instant now = clock.instant();
			IdempotencyStore.Claim claim = store.claim(scope, key, fingerprint, now, now.minus(RETENTION));
			switch (claim) {
				case IdempotencyStore.Claim.Owned owned -> {
					run(cached, response, chain, scope, key);
					return;
				}
				case IdempotencyStore.Claim.Completed done -> {
					if (!done.erased() && !done.fingerprint().equals(fingerprint)) {
						Problems.write(response, json, new SubdeskException(ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
								"This Idempotency-Key was used with another request"));
						return;
					}
					response.setStatus(done.status());
					if (done.contentType() != null) {
						response.setContentType(done.contentType());
					}
					response.setHeader("Idempotent-Replayed", "true");
					response.getOutputStream().write(done.body());
					return;
				}
				case IdempotencyStore.Claim.InProgress busy -> {
					if (System.nanoTime() - deadline > 0) {
						Problems.write(response, json, SubdeskException.of(ApiErrorCode.IDEMPOTENCY_KEY_IN_USE,
								"A request with this Idempotency-Key is still running"));
						return;
					}
					sleep();
				}
			}
		}
	}

	private void run(CachedBodyRequest request, HttpServletResponse response, FilterChain chain, String scope, String key)
			throws IOException, ServletException {
		ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
		boolean stored = false;
		try {
			chain.doFilter(request, wrapper);
			int status = wrapper.getStatus();
			if (status < 500) {
				byte[] answer = wrapper.getContentAsByteArray();
				store.complete(scope, key, status, wrapper.getContentType(), answer,
						IdempotencyStore.accountIds(ApiSecurity.routedPath(request), request.body(), answer));
				stored = true;
			}
		}
		finally {
			if (!stored) {
				store.release(scope, key);
			}
			wrapper.copyBodyToResponse();
		}
	}

	private String canonicalBody(byte[] body) {
		String text = new String(body, StandardCharsets.UTF_8);
		if (text.isBlank()) {
			return "{}";
		}
		try {
			return CanonicalJson.of(json.readTree(text));
		}
		catch (JacksonException | IllegalArgumentException e) {
			return text;
		}
	}

	private static void sleep() {
		try {
			Thread.sleep(25);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	static String sha256(@Nullable String text) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest(String.valueOf(text).getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
