package dev.subdesk.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Fills the variables of a path template ({@code /accounts/{id}}, {@code /x/{name:regex}}) for generated requests. */
public final class PathTemplates {

	/** What a variable other than the one being tried is set to: an id that names nothing. */
	public static final String UNKNOWN_ID = "missing_0000000000000000";

	private static final Pattern VARIABLE = Pattern.compile("\\{([^}:]+)(:[^}]*)?}");

	private PathTemplates() {
	}

	/** The template with {@code name} set to {@code value} (as it stands, already encoded) and the others unknown. */
	public static String fill(String template, @Nullable String name, @Nullable String value) {
		Matcher matcher = VARIABLE.matcher(template);
		StringBuilder out = new StringBuilder();
		while (matcher.find()) {
			String filled = matcher.group(1).equals(name) && value != null ? value : UNKNOWN_ID;
			matcher.appendReplacement(out, Matcher.quoteReplacement(filled));
		}
		matcher.appendTail(out);
		return out.toString();
	}
}
