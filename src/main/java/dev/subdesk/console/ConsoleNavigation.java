package dev.subdesk.console;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * The console's navigation shows only the pages the signed-in role may open (the rules of
 * {@link ConsoleSecurity}): an AGENT sees Search, a SUPERVISOR also the queue, audit, reports and refund approvals,
 * an ADMIN also the staff accounts, the webhooks, the receipt keys and the catalog.
 */
@ControllerAdvice(basePackageClasses = ConsoleNavigation.class)
class ConsoleNavigation {

	@ModelAttribute
	void roles(HttpServletRequest request, Model model) {
		add(request, model);
	}

	static void add(HttpServletRequest request, Model model) {
		boolean admin = request.isUserInRole("ADMIN");
		model.addAttribute("supervisorPages", admin || request.isUserInRole("SUPERVISOR"));
		model.addAttribute("adminPages", admin);
	}
}
