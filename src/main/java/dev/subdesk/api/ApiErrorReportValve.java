package dev.subdesk.api;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's own error report, for a request it refuses before any filter runs (an encoded {@code /} or
 * {@code \}, NUL or bytes that are not UTF-8 in the path): under {@code /api/v1/} it is problem+json with the
 * contract's code; elsewhere Tomcat's page as before. Tomcat creates this valve by its class name, hence public.
 */
public class ApiErrorReportValve extends ErrorReportValve {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** As Spring Boot configures Tomcat's own valve: no server version and no report details on the pages. */
	public ApiErrorReportValve() {
		setShowServerInfo(false);
		setShowReport(false);
	}

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		String uri = request.getRequestURI();
		int status = response.getStatus();
		if (uri == null || !uri.startsWith("/api/v1/") || status < 400 || response.getContentWritten() > 0) {
			super.report(request, response, throwable);
			return;
		}
		var problem = ContainerErrors.problem(status);
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
