package dev.subdesk.console;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorViewResolver;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.ModelAndView;

/**
 * The error page of a console address that no console handler answered (a page the role may not open, a form
 * sent without its security token, a request the server could not read): the console's own error page, saying
 * what happened, instead of the customer portal's. (An address with no page and a GET to a form's address do not
 * get here: the API's problem handler answers those, {@code 404} and {@code 405}, for every path.)
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleErrorPages implements ErrorViewResolver {

	@Override
	public @Nullable ModelAndView resolveErrorView(HttpServletRequest request, HttpStatus status, Map<String, Object> model) {
		Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		if (!(uri instanceof String path) || !path.startsWith("/console")) {
			return null;
		}
		String detail = switch (status) {
			case FORBIDDEN -> "Your role cannot open this page, or the form was sent without its security token; "
					+ "nothing was done";
			default -> status.is4xxClientError() ? "The request could not be read; nothing was done"
					: "Something went wrong on our side; nothing more was done";
		};
		return new ModelAndView("console/error",
				Map.of("status", status.value(), "code", status.name(), "detail", detail), status);
	}
}
