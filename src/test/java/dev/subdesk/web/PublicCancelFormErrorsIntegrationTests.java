package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A "Cancel contracts here" form with mistakes, as a browser without JavaScript gets it back: the summary comes
 * first after the heading, takes the focus and links to each wrong field; each wrong field is marked invalid and
 * described by its own message; the right ones are not.
 */
@SubdeskIntegrationTest
class PublicCancelFormErrorsIntegrationTests extends PortalTestSupport {

	@Test
	void eachWrongFieldIsMarkedInvalidAndDescribedByItsMessageAndTheSummaryComesFirstAndLinksToThem() {
		PortalSession session = new PortalSession(port);
		session.get("/cancel");

		PortalSession.Page page = session.post("/cancel", Map.of("kind", "ORDINARY", "reason", "", "name", " ",
				"email", "not an email", "orderNumber", "ORD-AAAA-BBBB", "timing", "EARLIEST", "confirmationEmail", "x@example.com"));

		assertThat(page.status()).isEqualTo(400);
		String body = page.body();
		assertThat(body).containsPattern("</h1>\\s*<div class=\"error error-summary\" id=\"error-summary\" role=\"alert\" tabindex=\"-1\" autofocus");
		assertThat(body).contains("<a href=\"#name\">Enter your name.</a>", "<a href=\"#email\">Enter your email address.</a>");
		assertThat(input(body, "name")).contains("aria-invalid=\"true\"").contains("aria-describedby=\"name-error\"");
		assertThat(input(body, "email")).contains("aria-invalid=\"true\"").contains("aria-describedby=\"email-error\"");
		assertThat(body).contains("id=\"name-error\">Enter your name.<", "id=\"email-error\">Enter your email address.<");
		assertThat(input(body, "orderNumber")).doesNotContain("aria-invalid").contains("aria-describedby=\"order-hint\"");
		assertThat(input(body, "confirmationEmail")).doesNotContain("aria-invalid").doesNotContain("aria-describedby");
		assertThat(body).doesNotContain("id=\"orderNumber-error\"", "id=\"confirmationEmail-error\"");
	}

	@Test
	void aWrongFieldWithAHintIsDescribedByItsMessageAndItsHint() {
		PortalSession session = new PortalSession(port);
		session.get("/cancel");

		PortalSession.Page page = session.post("/cancel", Map.of("kind", "EXTRAORDINARY", "reason", "", "name", "Erika",
				"email", "e@example.com", "orderNumber", "", "timing", "EARLIEST", "confirmationEmail", "e@example.com"));

		assertThat(page.status()).isEqualTo(400);
		assertThat(textarea(page.body(), "reason")).contains("aria-invalid=\"true\"")
			.contains("aria-describedby=\"reason-error reason-hint\"");
		assertThat(input(page.body(), "orderNumber")).contains("aria-invalid=\"true\"")
			.contains("aria-describedby=\"orderNumber-error order-hint\"");
		assertThat(page.body()).contains("<a href=\"#reason\">", "<a href=\"#orderNumber\">");
	}

	@Test
	void theFormWithoutMistakesHasNoSummaryAndNoFieldMarkedInvalid() {
		String body = new PortalSession(port).get("/cancel").body();
		String main = body.substring(body.indexOf("<main"));

		assertThat(main).doesNotContain("error-summary", "aria-invalid", "field-error");
	}

	private static String input(String body, String id) {
		return element(body, "input", id);
	}

	private static String textarea(String body, String id) {
		return element(body, "textarea", id);
	}

	private static String element(String body, String tag, String id) {
		Matcher m = Pattern.compile("<" + tag + "[^>]*\\bid=\"" + id + "\"[^>]*>").matcher(body);
		assertThat(m.find()).as("<%s id=%s>", tag, id).isTrue();
		return m.group();
	}
}
