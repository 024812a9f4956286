package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The HTML part of a notice's email: the plain text's words, escaped, with links only to the official website. */
class HtmlEmailTests {

	private static final String BASE = "https://acme.example";

	@Test
	void theHtmlCarriesTheSameWordsInParagraphsAndLinksOnlyTheOfficialWebsite() {
		String text = """
				Hallo <b>Erika</b> & Co,

				kündigen Sie hier: https://acme.example/cancel?order=ORD-AAAA-BBBB.
				Nicht hier: https://acme-support.example/cancel und nicht https://acme.example.evil/x oder https://acme.example@evil.example/""";

		String html = HtmlEmail.of("Betreff <i>", text, Locale.GERMAN, BASE);

		assertThat(html).startsWith("<!DOCTYPE html>")
			.contains("<html lang=\"de\">")
			.contains("<title>Betreff &lt;i&gt;</title>")
			.contains("<p style=\"margin:0 0 1em 0\">Hallo &lt;b&gt;Erika&lt;/b&gt; &amp; Co,</p>")
			.contains("<a href=\"https://acme.example/cancel?order=ORD-AAAA-BBBB\" style=\"color:#0b57d0\">"
					+ "https://acme.example/cancel?order=ORD-AAAA-BBBB</a>.<br>")
			.contains("Nicht hier: https://acme-support.example/cancel")
			.doesNotContain("<b>")
			.doesNotContain("href=\"https://acme-support")
			.doesNotContain("href=\"https://acme.example.evil").doesNotContain("href=\"https://acme.example@")
			.doesNotContainIgnoringCase("<img")
			.doesNotContainIgnoringCase("<link")
			.doesNotContainIgnoringCase("url(");
	}
}
