package dev.subdesk.console;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.StorableText;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.ui.Model;
import org.springframework.validation.BindException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;

/** A broken rule in the console is a page that says what went wrong, with the status of the rule. */
@ControllerAdvice(basePackageClasses = ConsoleErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleErrors {

	/** An account's page, to link back to from an error on it. */
	private static final Pattern ACCOUNT_PAGE = Pattern.compile("^/console/accounts/([A-Za-z0-9_]*)");

	/**
	 * Runs before every console handler: a parameter that could not be stored is a {@code 400} page saying so,
	 * before anything is looked up or changed.
	 */
	@ModelAttribute
	void storableInput(HttpServletRequest request) {
		StorableText.requireStorable(request.getParameterMap());
	}

	@ExceptionHandler(SubdeskException.class)
	String broken(SubdeskException e, HttpServletRequest request, HttpServletResponse response, Model model) {
		response.setStatus(e.status());
		ConsoleNavigation.add(request, model);
		model.addAttribute("status", e.status());
		model.addAttribute("code", e.code());
		model.addAttribute("detail", e.getMessage());
		Matcher account = ACCOUNT_PAGE.matcher(request.getRequestURI());
		if (account.find() && !account.group(1).isEmpty() && account.group(1).length() <= 64) {
			model.addAttribute("accountPage", account.group());
		}
		return "console/error";
	}

	/**
	 * A value a form's field cannot take (a word where a yes/no, a cancellation mode or reason is expected): a
	 * {@code 400} page, nothing done.
	 */
	@ExceptionHandler({ BindException.class, TypeMismatchException.class, ServletRequestBindingException.class,
			InvalidParameterException.class })
	String unreadable(Exception e, HttpServletRequest request, HttpServletResponse response, Model model) {
		return broken(new SubdeskException(CommonErrorCode.VALIDATION_FAILED,
				"A field holds a value this form does not offer; nothing was done"), request, response, model);
	}
}
