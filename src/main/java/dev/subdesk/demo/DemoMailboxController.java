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
 * does not exist and {@code /demo/mailbox} answers 404.
 */
@Controller
@ConditionalOnProperty(name = "subdesk.demo-mode", havingValue = "true")
class DemoMailboxController {

	static final int SHOWN = 200;

	private final Notices notices;

	DemoMailboxController(Notices notices) {
		this.notices = notices;
	}

	@GetMapping("/demo/mailbox")
	String mailbox(Model model) {
		model.addAttribute("notices", notices.newestOfAll(SHOWN));
		model.addAttribute("shown", SHOWN);
		return "demo/mailbox";
	}

	@GetMapping("/demo/mailbox/{id}")
	String notice(@PathVariable String id, Model model, HttpServletResponse response) {
		java.util.Optional<Notice> notice = notices.byId(id);
		if (notice.isEmpty()) {
			// rendered here: the API's catch-all problem handler would turn an exception into a 500
			response.setStatus(HttpStatus.NOT_FOUND.value());
			return "demo/no-such-notice";
		}
		model.addAttribute("notice", notice.get());
		return "demo/notice";
	}
}
