package dev.subdesk;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;
import org.springframework.web.util.pattern.PathPattern;

/**
 * What every request pays for besides its own work, kept small. Profiled on a warm server (JFR, GET
 * {@code /api/v1/subscriptions/{id}} at about 1,200 requests a second on 2 cores), the framework's own work was most
 * of a request's CPU; three parts of it bought nothing here:
 * <ul>
 * <li>Finding the handler, 14 % of the CPU: a path with a variable in it has no direct match, so Spring MVC tries
 * every mapping of the application (some 160: API, portal, console), condition by condition and the path last: the
 * HTTP method (asked through every request wrapper of the filter chain), parameters, headers, consumes, produces,
 * version, and only then the path, itself read from a request attribute through those wrappers each time. Here the
 * path goes first, read once per request ({@link PathFirst}).</li>
 * <li>Spring Security's observation of each filter of its chains (a wrapper per filter, and a name looked up for
 * each): no meter or trace reads them ({@code management.observations.enable.spring.security=false} already made
 * them no-ops; this takes the wrappers away).</li>
 * <li>A {@code ServletRequestHandledEvent} published after each request, 4 %, through Spring Modulith's event
 * multicaster, which no listener here wants ({@code spring.mvc.publish-request-handled-events=false} in
 * {@code application.properties}).</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class RequestOverhead implements WebMvcRegistrations {

	@Override
	public RequestMappingHandlerMapping getRequestMappingHandlerMapping() {
		return new PathFirst();
	}

	@Bean
	static SecurityObservationSettings noSecurityObservations() {
		return SecurityObservationSettings.noObservations();
	}

	/**
	 * Asks a mapping's path first. Which mapping matches, and the 404, 405, 406 or 415 of a request that none
	 * matches, stay the same: a mapping matches only when every one of its conditions does (the path is asked again
	 * by Spring for the few that pass), and the answer to no match is worked out apart ({@code handleNoMatch}).
	 */
	static final class PathFirst extends RequestMappingHandlerMapping {

		/** The path of the request being looked up on this thread, parsed once by Spring before the lookup. */
		private static final ThreadLocal<@Nullable PathContainer> PATH = new ThreadLocal<>();

		@Override
		protected @Nullable HandlerMethod lookupHandlerMethod(String lookupPath,
				HttpServletRequest request) throws Exception {
			PathContainer outer = PATH.get();
			PATH.set(ServletRequestPathUtils.hasParsedRequestPath(request)
					? ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication() : null);
			try {
				return super.lookupHandlerMethod(lookupPath, request);
			}
			finally {
				if (outer == null) {
					PATH.remove();
				}
				else {
					PATH.set(outer);
				}
			}
		}

		@Override
		protected @Nullable RequestMappingInfo getMatchingMapping(RequestMappingInfo info, HttpServletRequest request) {
			PathPatternsRequestCondition paths = info.getPathPatternsCondition();
			PathContainer path = PATH.get();
			if (paths != null && path != null && !matchesAny(paths, path)) {
				return null;
			}
			return super.getMatchingMapping(info, request);
		}

		private static boolean matchesAny(PathPatternsRequestCondition paths, PathContainer path) {
			for (PathPattern pattern : paths.getPatterns()) {
				if (pattern.matches(path)) {
					return true;
				}
			}
			return false;
		}
	}
}
