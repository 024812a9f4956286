package dev.subdesk.demo;

import dev.subdesk.notices.Notice;
import dev.subdesk.notices.Notices;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The demo mailbox: every notice the server wrote, newest first, each readable on its own page, so a newcomer
 * reads a demo customer's sign-in code without a mail server. Demo mode only: in production mode this controller
 * does not exist and {@code /demo/mailbox} answers 404. Each page first reads the database's production mark
 * ({@link ProductionMarkWatch}): once a production start has marked it, every page answers 404, saying demo mode is
 * off, and the node stops.
 */
@Controller
@ConditionalOnProperty(name = "subdesk.demo-mode", havingValue = "true")
class DemoMailboxController {

	static final int SHOWN = 200;

	private final Notices notices;

	private final ProductionMarkWatch productionMark;

	DemoMailboxController(Notices notices, ProductionMarkWatch productionMark) {
		this.notices = notices;
		this.productionMark = productionMark;
	}

	@GetMapping("/demo/mailbox")
	String mailbox(Model model, HttpServletResponse response) {
		if (!productionMark.demoModeAllowed()) {
			return off(response);
		}
		model.addAttribute("notices", notices.newestOfAll(SHOWN));
		model.addAttribute("shown", SHOWN);
		return "demo/mailbox";
	}

	@GetMapping("/demo/mailbox/{id}")
	String notice(@PathVariable String id, Model model, HttpServletResponse response) {
		if (!productionMark.demoModeAllowed()) {
			return off(response);
		}
		java.util.Optional<Notice> notice = notices.byId(id);
		if (notice.isEmpty()) {
			// rendered here: the API's catch-all problem handler would turn an exception into a 500
			response.setStatus(HttpStatus.NOT_FOUND.value());
			return "demo/no-such-notice";
		}
		model.addAttribute("notice", notice.get());
		return "demo/notice";
	}

	/** As if the mailbox did not exist (rendered here, as {@link #notice} does, not thrown). */
	private static String off(HttpServletResponse response) {
		response.setStatus(HttpStatus.NOT_FOUND.value());
		return "demo/off";
	}
}
