package dev.subdesk.web;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.StorableText;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Errors of the pages become pages (the API's problem+json handler stays the API's). Something that does not
 * exist, or does not belong to the signed-in customer, is the same 404 page.
 */
@ControllerAdvice(basePackageClasses = WebErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class WebErrors {

	/**
	 * Runs before every page handler: a parameter that could not be stored is a {@code 400} page saying so, before
	 * anything is looked up or changed.
	 */
	@ModelAttribute
	void storableInput(HttpServletRequest request) {
		StorableText.requireStorable(request.getParameterMap());
	}

	@ExceptionHandler(SubdeskException.class)
	String rule(SubdeskException e, Model model, HttpServletResponse response) {
		response.setStatus(e.status());
		model.addAttribute("status", e.status());
		model.addAttribute("code", e.code());
		return "error";
	}

	@ExceptionHandler({ MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class,
			InvalidParameterException.class })
	String badParameter(Model model, HttpServletResponse response) {
		response.setStatus(400);
		model.addAttribute("status", 400);
		model.addAttribute("code", "VALIDATION_FAILED");
		return "error";
	}

	/** What a page throws for a value no form of it sends (a crafted request): a 400 page, nothing changed. */
	static SubdeskException invalid() {
		return new SubdeskException(CommonErrorCode.VALIDATION_FAILED, "A field holds a value this form never sends; nothing was done");
	}

	/** What every page's own look-ups throw for an id that is not the customer's. */
	static SubdeskException notFound() {
		return new SubdeskException(CommonErrorCode.NOT_FOUND, "Not found");
	}
}
