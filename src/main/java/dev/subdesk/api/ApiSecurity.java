package dev.subdesk.api;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may call the API and the management endpoints, decided on the path the dispatcher routes (Spring's
 * {@link PathPatternRequestMatcher}: percent-decoded segments, matrix parameters set aside), never on the raw
 * request URI. Everything under {@code /api} and {@code /actuator} needs {@code Authorization: Bearer <api key>}
 * ({@link ApiKey}), except {@code GET /api/v1/receipt-keys}, {@code POST /api/v1/receipts/verify},
 * {@code GET /api/v1/entitlement-keys}, {@code GET /api/v1/official-channels},
 * {@code POST /api/v1/official-channels/check}, the store notifications {@code POST /api/v1/channels/apple/notifications}
 * and {@code POST /api/v1/channels/google/rtdn} (their signatures authenticate them), the API description
 * {@code GET /api/v1/openapi.json} and
 * {@code /actuator/health} with its groups; a missing or wrong key is {@code 401 UNAUTHORIZED}. The metrics
 * ({@code GET /actuator/prometheus}, {@code GET /actuator/metrics/**}) also take the metrics token
 * ({@link MetricsToken}), which opens nothing else. Stateless: no
 * session, no CSRF (a bearer key is not sent by a browser on its own). A path under {@code /api} or
 * {@code /actuator} that is not in normal form never gets this far ({@link PathNormalForm}).
 *
 * <p>The other API filters (body size, audit, idempotency) run after this chain, in the servlet chain, and choose
 * their requests with the same matchers.
 */
@Configuration(proxyBeanMethods = false)
class ApiSecurity {

	/** Spring Boot registers the security filter chain at {@code spring.security.filter.order}, -100 by default. */
	private static final int SECURITY_FILTER_ORDER = -100;

	/** The order of the API filters that run once the key is checked: after the security filter chain. */
	static final int AFTER_THE_KEY = SECURITY_FILTER_ORDER + 10;

	private static final PathPatternRequestMatcher.Builder PATHS = PathPatternRequestMatcher.withDefaults();

	/** Everything under {@code /api}, whatever the version. */
	static final RequestMatcher API = PATHS.matcher("/api/**");

	/** Every path the API routes: {@code /api/v1} and everything under it. */
	static final RequestMatcher API_V1 = PATHS.matcher("/api/v1/**");

	static final RequestMatcher RECEIPT_KEYS = PATHS.matcher(HttpMethod.GET, "/api/v1/receipt-keys");

	static final RequestMatcher VERIFY_RECEIPT = PATHS.matcher(HttpMethod.POST, "/api/v1/receipts/verify");

	static final RequestMatcher API_DESCRIPTION = PATHS.matcher(HttpMethod.GET, "/api/v1/openapi.json");

	static final RequestMatcher OFFICIAL_CHANNELS = PATHS.matcher(HttpMethod.GET, "/api/v1/official-channels");

	static final RequestMatcher CHECK_CHANNEL = PATHS.matcher(HttpMethod.POST, "/api/v1/official-channels/check");
	static final RequestMatcher ENTITLEMENT_KEYS = PATHS.matcher(HttpMethod.GET, "/api/v1/entitlement-keys");

	/**
	 * Called by the App Store, not by the vendor: no API key; the signed payload's certificate chain up to the
	 * configured root is its authentication (module stores).
	 */
	static final RequestMatcher APPLE_NOTIFICATIONS = PATHS.matcher(HttpMethod.POST, "/api/v1/channels/apple/notifications");

	/**
	 * Called by Google's Pub/Sub, not by the vendor: its {@code Authorization: Bearer} is Google's OIDC token, which
	 * module stores verifies, never the API key.
	 */
	static final RequestMatcher GOOGLE_RTDN = PATHS.matcher(HttpMethod.POST, "/api/v1/channels/google/rtdn");

	/** Issues a token and changes nothing: not an audited change, though it needs the key. */
	static final RequestMatcher ENTITLEMENT_TOKEN = PATHS.matcher(HttpMethod.POST,
			"/api/v1/devices/{id}/entitlement-token");

	/** What the metrics token reads: the meters, in Prometheus' format and one by one. */
	private static final RequestMatcher METRICS = new OrRequestMatcher(
			PATHS.matcher(HttpMethod.GET, "/actuator/prometheus"), PATHS.matcher(HttpMethod.GET, "/actuator/metrics"),
			PATHS.matcher(HttpMethod.GET, "/actuator/metrics/**"));

	private static final RequestMatcher GUARDED = new OrRequestMatcher(API,
			PATHS.matcher("/actuator/**"));

	private static final RequestMatcher PUBLIC = new OrRequestMatcher(RECEIPT_KEYS, VERIFY_RECEIPT, API_DESCRIPTION,
			OFFICIAL_CHANNELS, CHECK_CHANNEL, ENTITLEMENT_KEYS, APPLE_NOTIFICATIONS, GOOGLE_RTDN,
			PATHS.matcher("/actuator/health/**"));

	/**
	 * The path a request is routed by (percent-decoded, without matrix parameters), which is the path the
	 * idempotency fingerprint and the audit trail name: the same for every spelling the key check admits.
	 */
	static String routedPath(HttpServletRequest request) {
		return UrlPathHelper.defaultInstance.getPathWithinApplication(request);
	}

	@Bean
	@Order(0)
	SecurityFilterChain apiSecurityFilterChain(HttpSecurity http, ApiKey key, MetricsToken metrics, JsonMapper json)
			throws Exception {
		AuthenticationEntryPoint unauthorized = (request, response, exception) -> {
			response.setHeader("WWW-Authenticate", "Bearer");
			Problems.write(response, json,
					new SubdeskException(CommonErrorCode.UNAUTHORIZED, "Send the API key as Authorization: Bearer <key>"));
		};
		return http.securityMatcher(GUARDED)
			.authorizeHttpRequests(requests -> requests.requestMatchers(PUBLIC).permitAll()
				.requestMatchers(METRICS).hasAnyRole("API", "METRICS")
				.anyRequest().hasRole("API"))
			.addFilterBefore(new BearerKey(key, metrics), AnonymousAuthenticationFilter.class)
			.sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.securityContext(context -> context.securityContextRepository(new RequestAttributeSecurityContextRepository()))
			.exceptionHandling(errors -> errors.authenticationEntryPoint(unauthorized)
				.accessDeniedHandler((request, response, denied) -> unauthorized.commence(request, response, null)))
			.csrf(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.httpBasic(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable)
			.build();
	}

	/**
	 * Authenticates a request whose {@code Authorization} header is {@code Bearer <the key>}: its principal is the
	 * key's fingerprint, with the role {@code API}, and the fingerprint is also left on the request
	 * ({@link ApiKey#fingerprint}). {@code Bearer <the metrics token>} gets the role {@code METRICS} and no
	 * fingerprint. Any other request goes on anonymous, for the authorization rules to refuse.
	 */
	private static final class BearerKey extends OncePerRequestFilter {

		private final ApiKey key;
		private final MetricsToken metrics;
		private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

		BearerKey(ApiKey key, MetricsToken metrics) {
			this.key = key;
			this.metrics = metrics;
		}

		/**
		 * A request that waited for its {@code Idempotency-Key} comes back as an asynchronous dispatch
		 * ({@link IdempotencyFilter}), which the authorization rules check again: its key is checked again too.
		 */
		@Override
		protected boolean shouldNotFilterAsyncDispatch() {
			return false;
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			Optional<String> fingerprint = key.verify(request.getHeader("Authorization"));
			if (fingerprint.isPresent()) {
				request.setAttribute(ApiKey.FINGERPRINT, fingerprint.get());
				SecurityContext context = contexts.createEmptyContext();
				context.setAuthentication(new PreAuthenticatedAuthenticationToken(fingerprint.get(), "",
						List.of(new SimpleGrantedAuthority("ROLE_API"))));
				contexts.setContext(context);
			}
			else if (metrics.matches(request.getHeader("Authorization"))) {
				SecurityContext context = contexts.createEmptyContext();
				context.setAuthentication(new PreAuthenticatedAuthenticationToken("metrics", "",
						List.of(new SimpleGrantedAuthority("ROLE_METRICS"))));
				contexts.setContext(context);
			}
			chain.doFilter(request, response);
		}
	}
}
