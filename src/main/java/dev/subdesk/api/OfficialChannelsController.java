package dev.subdesk.api;

import dev.subdesk.channels.Directory;
import dev.subdesk.channels.OfficialChannels;
import dev.subdesk.channels.Verdict;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The vendor's official channels and the check against impersonators (shared/API.md, Official channels). Both
 * are public ({@link ApiSecurity}); module channels decides, this only translates.
 */
@RestController
class OfficialChannelsController {

	private static final Set<String> CHECK_FIELDS = Set.of("phone", "country", "url", "email");

	private final OfficialChannels channels;
	private final JsonMapper json;

	OfficialChannelsController(OfficialChannels channels, JsonMapper json) {
		this.channels = channels;
		this.json = json;
	}

	/** {@code {"phones": [{"number", "label"}], "domains", "emailDomains"}}. */
	record ChannelsView(List<PhoneView> phones, List<String> domains, List<String> emailDomains) {

		static ChannelsView of(Directory directory) {
			return new ChannelsView(
					directory.phones().stream().map(p -> new PhoneView(p.number(), p.label())).toList(),
					directory.domains(), directory.emailDomains());
		}
	}

	record PhoneView(String number, String label) {
	}

	/** {@code {"official", "kind", "normalized", "label", "advice"}}. */
	record VerdictView(boolean official, String kind, String normalized, @Nullable String label, String advice) {

		static VerdictView of(Verdict verdict) {
			return new VerdictView(verdict.official(), verdict.kind().name(), verdict.normalized(), verdict.label(),
					verdict.advice().english());
		}
	}

	@GetMapping("/api/v1/official-channels")
	ChannelsView list() {
		return ChannelsView.of(channels.directory());
	}

	/** One of {@code {"phone", "country"?}}, {@code {"url"}} or {@code {"email"}}. */
	@PostMapping("/api/v1/official-channels/check")
	VerdictView check(@RequestBody(required = false) @Nullable String raw) {
		JsonBody body = JsonBody.parse(raw, json);
		body.allowOnly(CHECK_FIELDS);
		String phone = body.text("phone", false, 1, 100);
		String country = body.text("country", false, 0, 10);
		String url = body.text("url", false, 1, 2000);
		String email = body.text("email", false, 1, 1000);
		long given = java.util.stream.Stream.of("phone", "url", "email").filter(body::has).count();
		if (given != 1) {
			body.reject(given == 0 ? "phone" : "", "send exactly one of phone, url or email");
		}
		if (body.has("country") && !body.has("phone")) {
			body.reject("country", "goes only with phone");
		}
		body.validate();
		Verdict verdict = phone != null ? channels.checkPhone(phone, country)
				: url != null ? channels.checkUrl(url) : channels.checkEmail(java.util.Objects.requireNonNull(email));
		return VerdictView.of(verdict);
	}
}
