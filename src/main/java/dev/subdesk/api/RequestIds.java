package dev.subdesk.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id, first of all filters: a sane incoming {@code X-Request-Id} (1 to 64 letters, digits
 * and {@code . _ : -}, as a proxy or the client's own tracing sends it) is kept, anything else is replaced by a new
 * random UUID. The id is in the response's {@code X-Request-Id} header, in the log's MDC as {@code requestId} (so
 * in every JSON log line written while the request is served), and in every problem+json answer as
 * {@code requestId}: a customer's or integrator's report then finds its log lines. With
 * {@code LOGGING_LEVEL_DEV_SUBDESK_REQUESTS=DEBUG} each request is logged once when answered (a request that waits
 * for its {@code Idempotency-Key} also when it begins to wait, and with its answer on the dispatch that gives it).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestIds extends OncePerRequestFilter {

	static final String HEADER = "X-Request-Id";

	static final String MDC_KEY = "requestId";

	/** The request attribute that keeps the id for the error dispatch and the container's error valve. */
	static final String ATTRIBUTE = RequestIds.class.getName();

	/**
	 * Set by a filter that leaves the request waiting (asynchronous, answered on a later dispatch): this dispatch did
	 * not answer it.
	 */
	static final String WAITING = RequestIds.class.getName() + ".waiting";

	/** When the request's first dispatch began (System.nanoTime), for the time of its answer. */
	private static final String STARTED = RequestIds.class.getName() + ".started";

	private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	/** A lower-case name, so an environment variable can set its level: LOGGING_LEVEL_DEV_SUBDESK_REQUESTS=DEBUG. */
	private static final Logger log = LoggerFactory.getLogger("dev.subdesk.requests");

	@Override
	protected boolean shouldNotFilterErrorDispatch() {
		return false;
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String id = request.getAttribute(ATTRIBUTE) instanceof String kept ? kept : accepted(request.getHeader(HEADER));
		request.setAttribute(ATTRIBUTE, id);
		if (!response.isCommitted()) {
			response.setHeader(HEADER, id);
		}
		String outer = MDC.get(MDC_KEY);
		MDC.put(MDC_KEY, id);
		long started = request.getAttribute(STARTED) instanceof Long first ? first : System.nanoTime();
		request.setAttribute(STARTED, started);
		request.removeAttribute(WAITING);
		jakarta.servlet.DispatcherType type = request.getDispatcherType();
		try {
			chain.doFilter(request, response);
		}
		finally {
			if (log.isDebugEnabled() && (type == jakarta.servlet.DispatcherType.REQUEST
					|| type == jakarta.servlet.DispatcherType.ASYNC)) {
				long millis = (System.nanoTime() - started) / 1_000_000;
				if (Boolean.TRUE.equals(request.getAttribute(WAITING))) {
					if (type == jakarta.servlet.DispatcherType.REQUEST) {
						log.debug("{} {} -> waiting after {} ms", request.getMethod(), request.getRequestURI(), millis);
					}
				}
				else {
					log.debug("{} {} -> {} in {} ms", request.getMethod(), request.getRequestURI(), response.getStatus(),
							millis);
				}
			}
			if (outer == null) {
				MDC.remove(MDC_KEY);
			}
			else {
				MDC.put(MDC_KEY, outer);
			}
		}
	}

	/** The id of the request being served on this thread, if any. */
	static Optional<String> current() {
		return Optional.ofNullable(MDC.get(MDC_KEY));
	}

	/** The id a request was given, for code that runs after the filters (the container's error valve). */
	static Optional<String> of(HttpServletRequest request) {
		return request.getAttribute(ATTRIBUTE) instanceof String id ? Optional.of(id) : Optional.empty();
	}

	private static String accepted(@Nullable String incoming) {
		return incoming != null && SANE.matcher(incoming).matches() ? incoming : UUID.randomUUID().toString();
	}
}
