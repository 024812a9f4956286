package dev.subdesk.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.jdbc.PostgreSqlJdbcIndexedSessionRepositoryCustomizer;
import org.springframework.session.web.http.SessionRepositoryFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Sessions in PostgreSQL: two requests of one session that set the same attribute at once (a double submit) write
 * it with an upsert, so the second one does not fail on the attributes' primary key.
 */
@Configuration(proxyBeanMethods = false)
class SessionStore {

	@Bean
	PostgreSqlJdbcIndexedSessionRepositoryCustomizer upsertSessionAttributes() {
		return new PostgreSqlJdbcIndexedSessionRepositoryCustomizer();
	}

	/** Runs just before Spring Session's filter reads the cookie. */
	@Bean
	FilterRegistrationBean<ForeignSessionCookies> foreignSessionCookies() {
		FilterRegistrationBean<ForeignSessionCookies> registration = new FilterRegistrationBean<>(new ForeignSessionCookies());
		registration.setOrder(SessionRepositoryFilter.DEFAULT_ORDER - 1);
		return registration;
	}

	/**
	 * Drops a {@code SESSION} cookie that no session of ours can have: one whose value is not the base64 of a session
	 * id (a UUID). Spring Session would look such a value up as it is, and one that decodes to U+0000 made PostgreSQL
	 * refuse the look-up: every page answered 500 to whoever sent it. Without the cookie the request is a new visitor's.
	 */
	static final class ForeignSessionCookies extends OncePerRequestFilter {

		private static final String NAME = "SESSION";

		private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			Cookie[] cookies = request.getCookies();
			if (cookies == null || Arrays.stream(cookies).allMatch(ForeignSessionCookies::kept)) {
				chain.doFilter(request, response);
				return;
			}
			Cookie[] kept = Arrays.stream(cookies).filter(ForeignSessionCookies::kept).toArray(Cookie[]::new);
			chain.doFilter(new HttpServletRequestWrapper(request) {

				@Override
				public Cookie[] getCookies() {
					return kept.length == 0 ? null : kept.clone();
				}
			}, response);
		}

		private static boolean kept(Cookie cookie) {
			if (!NAME.equals(cookie.getName())) {
				return true;
			}
			try {
				String id = new String(Base64.getDecoder().decode(cookie.getValue()), StandardCharsets.UTF_8);
				return SESSION_ID.matcher(id).matches();
			}
			catch (IllegalArgumentException notBase64) {
				return false;
			}
		}
	}
}
