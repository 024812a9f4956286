package dev.subdesk.web;

import dev.subdesk.channels.OfficialChannels;
import dev.subdesk.channels.Verdict;
import dev.subdesk.shared.SubdeskException;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;

/**
 * "Is this really Acme?": anyone may check a phone number, a web address or an email sender against the official
 * channels (module channels decides). The verdict is on the page the form posts to; what is not a number, an
 * address or a sender is a {@code 400} page saying so.
 */
@Controller
class ChannelCheckController {

	private static final String VIEW = "web/support-check";

	private final OfficialChannels channels;

	ChannelCheckController(OfficialChannels channels) {
		this.channels = channels;
	}

	@GetMapping("/support/check")
	String form(Model model) {
		return show(ChannelCheckForm.empty(), null, List.of(), model);
	}

	@PostMapping("/support/check")
	String check(@ModelAttribute("form") ChannelCheckForm form, Model model, HttpServletResponse response) {
		String kind = form.kindOrPhone();
		if (!ChannelCheckForm.KINDS.contains(kind)) {
			throw WebErrors.invalid();
		}
		String value = ChannelCheckForm.text(form.value());
		String error = value.isEmpty() ? "check.error.empty"
				: value.length() > ChannelCheckForm.MAX_LENGTH || ChannelCheckForm.text(form.country()).length() > 100
						? "check.error.tooLong" : null;
		if (error == null) {
			try {
				Verdict verdict = switch (kind) {
					case "URL" -> channels.checkUrl(value);
					case "EMAIL" -> channels.checkEmail(value);
					default -> channels.checkPhone(value, ChannelCheckForm.text(form.country()));
				};
				return show(form, verdict, List.of(), model);
			}
			catch (SubdeskException e) {
				error = e.errors().stream().anyMatch(f -> f.field().equals("country")) ? "check.error.country"
						: "check.error." + kind;
			}
		}
		response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
		return show(form, null, List.of(error), model);
	}

	private String show(ChannelCheckForm form, @Nullable Verdict verdict, List<String> errors, Model model) {
		model.addAttribute("form", form);
		model.addAttribute("selectedKind", form.kindOrPhone());
		model.addAttribute("verdict", verdict);
		model.addAttribute("errors", errors);
		model.addAttribute("defaultCountry", channels.defaultCountry());
		return VIEW;
	}
}
