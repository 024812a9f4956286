package dev.subdesk.web;

import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Errors of the pages become pages (the API's problem+json handler stays the API's). Something that does not
 * exist, or does not belong to the signed-in customer, is the same 404 page.
 */
@ControllerAdvice(basePackageClasses = WebErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class WebErrors {

	@ExceptionHandler(SubdeskException.class)
	String rule(SubdeskException e, Model model, HttpServletResponse response) {
		response.setStatus(e.status());
		model.addAttribute("status", e.status());
		model.addAttribute("code", e.code());
		return "error";
	}

	@ExceptionHandler(MethodArgumentTypeMismatchException.class)
	String badParameter(Model model, HttpServletResponse response) {
		response.setStatus(400);
		model.addAttribute("status", 400);
		model.addAttribute("code", "VALIDATION_FAILED");
		return "error";
	}

	/** What every page's own look-ups throw for an id that is not the customer's. */
	static SubdeskException notFound() {
		return new SubdeskException(404, "NOT_FOUND", "Not found");
	}
}
