package dev.subdesk.demo;

import dev.subdesk.notices.Notice;
import dev.subdesk.notices.Notices;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpHeaders;
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
 * off, and the node stops; when the read fails, that page answers 503, saying the mailbox cannot be shown just now.
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
		String closed = closed(response);
		if (closed != null) {
			return closed;
		}
		model.addAttribute("notices", notices.newestOfAll(SHOWN));
		model.addAttribute("shown", SHOWN);
		return "demo/mailbox";
	}

	@GetMapping("/demo/mailbox/{id}")
	String notice(@PathVariable String id, Model model, HttpServletResponse response) {
		String closed = closed(response);
		if (closed != null) {
			return closed;
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

	/**
	 * Reads the production mark: null when demo mode goes on; otherwise the page to answer, rendered here as
	 * {@link #notice} does, not thrown. Marked: 404, as if the mailbox did not exist. Not known (the read failed): 503,
	 * saying so, since demo mode is not known to be off and the node goes on.
	 */
	private @Nullable String closed(HttpServletResponse response) {
		return switch (productionMark.demoMode()) {
			case ALLOWED -> null;
			case MARKED -> {
				response.setStatus(HttpStatus.NOT_FOUND.value());
				yield "demo/off";
			}
			case UNKNOWN -> {
				response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
				response.setHeader(HttpHeaders.RETRY_AFTER, "5");
				yield "demo/unavailable";
			}
		};
	}
}
