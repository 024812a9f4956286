package dev.subdesk.notices;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.web.util.HtmlUtils;

/**
 * The HTML part of a notice's email, made from its plain text: the same words, paragraph by paragraph, readable
 * without images or remote content. No {@code <img>}, no stylesheet or font to fetch (inline styles only), and the
 * only links are to the service's own public address (the official website); any other text that looks like an
 * address stays text. Everything is escaped: a name in the text cannot become markup.
 */
final class HtmlEmail {

	private static final String STYLE = "margin:0;padding:16px;background:#ffffff;color:#1a1a1a;"
			+ "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5";

	private HtmlEmail() {
	}

	/** The HTML document for {@code text} (lines joined by {@code \n}, paragraphs by a blank line). */
	static String of(String subject, String text, Locale language, String officialBaseUrl) {
		Pattern official = Pattern
			.compile(Pattern.quote(officialBaseUrl) + "(/[A-Za-z0-9/?=&._~%+#-]*)?(?![A-Za-z0-9:@-]|\\.[A-Za-z0-9])");
		StringBuilder html = new StringBuilder(text.length() * 2 + 600);
		html.append("<!DOCTYPE html>\n<html lang=\"")
			.append(language.getLanguage())
			.append("\">\n<head>\n<meta charset=\"utf-8\">\n")
			.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
			.append(escape(subject))
			.append("</title>\n</head>\n<body style=\"")
			.append(STYLE)
			.append("\">\n<div style=\"max-width:40em\">\n");
		for (String paragraph : text.strip().split("\n\\s*\n")) {
			html.append("<p style=\"margin:0 0 1em 0\">");
			String[] lines = paragraph.strip().split("\n");
			for (int i = 0; i < lines.length; i++) {
				if (i > 0) {
					html.append("<br>\n");
				}
				html.append(linked(lines[i], official));
			}
			html.append("</p>\n");
		}
		return html.append("</div>\n</body>\n</html>\n").toString();
	}

	/** A line, escaped, with each address on the official website made a link to itself. */
	private static String linked(String line, Pattern official) {
		StringBuilder out = new StringBuilder();
		Matcher m = official.matcher(line);
		int at = 0;
		while (m.find()) {
			String url = trimmed(m.group());
			out.append(escape(line.substring(at, m.start())));
			String escaped = escape(url);
			out.append("<a href=\"").append(escaped).append("\" style=\"color:#0b57d0\">").append(escaped).append("</a>");
			at = m.start() + url.length();
		}
		return out.append(escape(line.substring(at))).toString();
	}

	/** Text as HTML: only the characters markup needs are escaped; the rest stays UTF-8. */
	private static String escape(String text) {
		return HtmlUtils.htmlEscape(text, "UTF-8");
	}

	/** An address without the sentence's full stop or comma after it. */
	private static String trimmed(String url) {
		String trimmed = url;
		while (trimmed.endsWith(".") || trimmed.endsWith(",")) {
			trimmed = trimmed.substring(0, trimmed.length() - 1);
		}
		return trimmed;
	}
}
