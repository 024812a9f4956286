package dev.subdesk.console;

import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/** A broken rule in the console is a page that says what went wrong, with the status of the rule. */
@ControllerAdvice(basePackageClasses = ConsoleErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleErrors {

	@ExceptionHandler(SubdeskException.class)
	String broken(SubdeskException e, HttpServletResponse response, Model model) {
		response.setStatus(e.status());
		model.addAttribute("status", e.status());
		model.addAttribute("code", e.code());
		model.addAttribute("detail", e.getMessage());
		return "console/error";
	}
}
