package dev.subdesk.api;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.res.StringManager;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's own error report, for a request it refuses before any filter runs (an encoded {@code /} or
 * {@code \}, NUL or bytes that are not UTF-8 in the path, a request line or headers longer than
 * {@code server.max-http-request-header-size}): under {@code /api/v1/} it is problem+json with the contract's code;
 * elsewhere Tomcat's page as before. A request line too long for Tomcat to read leaves no path to tell an API call
 * from a page: it is answered as a problem too (no page has a URL of 8 KB). Tomcat creates this valve by its class
 * name, hence public.
 */
public class ApiErrorReportValve extends ErrorReportValve {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * The message of the exception Tomcat's HTTP/1.1 parser throws when the request line and headers do not fit in
	 * its buffer; read from Tomcat's own messages, so that it is the same text in the server's language.
	 */
	private static final @Nullable String TOO_LARGE = StringManager.getManager("org.apache.coyote.http11")
		.getString("iib.requestheadertoolarge.error");

	/** As Spring Boot configures Tomcat's own valve: no server version and no report details on the pages. */
	public ApiErrorReportValve() {
		setShowServerInfo(false);
		setShowReport(false);
	}

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		String uri = request.getRequestURI();
		int status = response.getStatus();
		boolean tooLarge = throwable instanceof IllegalArgumentException && TOO_LARGE != null
				&& TOO_LARGE.equals(throwable.getMessage());
		boolean api = uri == null ? tooLarge : uri.startsWith("/api/v1/");
		if (!api || status < 400 || response.getContentWritten() > 0) {
			super.report(request, response, throwable);
			return;
		}
		var problem = !tooLarge ? ContainerErrors.problem(status)
				: ContainerErrors.refused(status,
						uri == null ? "the request line is too long" : "the request headers are too large");
		try {
			response.setContentType(Problems.PROBLEM_JSON.toString());
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				var body = Problems.body(problem.status(), problem.code(), String.valueOf(problem.getMessage()),
						problem.errors());
				RequestIds.of(request).ifPresent(id -> body.put("requestId", id));
				writer.write(JSON.writeValueAsString(body));
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException e) {
			// the client went away or the response was committed: nothing more to say
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Installation {

		@Bean
		WebServerFactoryCustomizer<TomcatServletWebServerFactory> apiErrorReports() {
			return factory -> factory.addContextCustomizers(context -> {
				if (context.getParent() instanceof StandardHost host) {
					host.setErrorReportValveClass(ApiErrorReportValve.class.getName());
				}
			});
		}
	}
}
