package dev.subdesk.api;

import dev.subdesk.idempotency.IdempotentAnswers;
import dev.subdesk.shared.CanonicalJson;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

	private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

	private static final Duration WAIT_FOR_FIRST = Duration.ofSeconds(60);

	private final IdempotentAnswers store;
	private final JsonMapper json;
	private final byte[] closedAnswer;

	IdempotencyFilter(IdempotentAnswers store, JsonMapper json) {
		this.store = store;
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
		String key = IdempotentAnswers.sha256(presented);
		String fingerprint = IdempotentAnswers.sha256(request.getMethod() + " " + ApiSecurity.routedPath(request) + " " + canonicalBody(cached.body()));
		long deadline = System.nanoTime() + WAIT_FOR_FIRST.toNanos();
		while (true) {
			IdempotentAnswers.Claim claim = store.claim(scope, key, fingerprint);
			switch (claim) {
				case IdempotentAnswers.Claim.Owned owned -> {
					run(cached, response, chain, scope, key, owned.owner());
					return;
				}
				case IdempotentAnswers.Claim.Completed done -> {
					if (!done.erased() && !done.fingerprint().equals(fingerprint)) {
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
					return;
				}
				case IdempotentAnswers.Claim.InProgress busy -> {
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

	private void run(CachedBodyRequest request, HttpServletResponse response, FilterChain chain, String scope, String key,
			String owner) throws IOException, ServletException {
		ContentCachingResponseWrapper wrapper = new ContentCachingResponseWrapper(response);
		boolean stored = false;
		try {
			chain.doFilter(request, wrapper);
			int status = wrapper.getStatus();
			if (status < 500) {
				byte[] answer = wrapper.getContentAsByteArray();
				if (!store.complete(scope, key, owner, status, wrapper.getContentType(), answer,
						IdempotentAnswers.accountIds(ApiSecurity.routedPath(request), request.body(), answer))) {
					log.warn("An answer was not stored: its Idempotency-Key was taken over as stale while it ran");
				}
				stored = true;
			}
		}
		finally {
			if (!stored) {
				store.release(scope, key, owner);
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
}
