package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;

/**
 * A static scan of src/main/java for DESIGN.md invariant 6 (no floating point anywhere near money) and invariant
 * 7 (all time comes from the one clock). Comments and string literals are blanked out first, so only code counts.
 * <p>
 * The allow-list names the file, the rule and how many hits it may have, so a new use in an allowed file fails
 * too. Each entry says why it is not a violation.
 */
class SourceRulesProperties {

	private static final Path MAIN = Path.of("src/main/java");

	/** Floating-point and decimal types and their conversions. */
	static final Pattern FLOATING_POINT = Pattern.compile(
			"\\b(double|float|Double|Float|BigDecimal|DoubleStream|doubleValue|floatValue|asDouble|asFloat|parseDouble|parseFloat|mapToDouble)\\b"
					+ "|(?<![\\w.])(\\d[\\d_]*\\.\\d[\\d_]*([eE][+-]?\\d+)?[fFdD]?|\\d[\\d_]*[eE][+-]?\\d+[fFdD]?|\\d[\\d_]*[fFdD])(?![\\w.])");

	/** Reading the time from anything but the injected Clock bean. */
	static final Pattern DIRECT_TIME = Pattern.compile(
			"\\b(Instant|LocalDate|LocalDateTime|LocalTime|ZonedDateTime|OffsetDateTime|OffsetTime|Year|YearMonth|MonthDay)\\s*\\.\\s*now\\s*\\("
					+ "|\\bSystem\\s*\\.\\s*currentTimeMillis\\b|\\bClock\\s*\\.\\s*(systemUTC|systemDefaultZone|system)\\s*\\("
					+ "|\\bnew\\s+(java\\.util\\.)?Date\\s*\\(\\s*\\)|\\bCalendar\\s*\\.\\s*getInstance\\b");

	private record Allowed(String file, String rule, int hits, String why) {
	}

	private static final List<Allowed> ALLOWED = List.of(
			new Allowed("dev/subdesk/shared/CanonicalJson.java", "floating point", 11,
					"RFC 8785 serializes JSON numbers as IEEE 754 doubles in ECMAScript form; the receipts carry money as "
							+ "integers, which are exact in a double up to 2^53"),
			new Allowed("dev/subdesk/shared/Formats.java", "floating point", 2,
					"BigDecimal (import and one use): the integer minor units scaled exactly by movePointLeft, only to "
							+ "hand NumberFormat a value to display in the customer's locale; no arithmetic on money"),
			new Allowed("dev/subdesk/clock/ClockConfiguration.java", "direct time", 1,
					"Clock.systemUTC() is the base of the one clock bean (TestClock) and of the WallClock (real time, only "
							+ "for an assertion an external party checks against its own clock); everything else injects the clock bean"));

	@Example
	void noFloatingPointOrDirectTimeOutsideTheAllowList() throws IOException {
		List<Path> files;
		try (Stream<Path> walk = Files.walk(MAIN)) {
			files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
		}
		assertThat(files).as("sources under " + MAIN.toAbsolutePath()).hasSizeGreaterThan(50);
		List<String> violations = new ArrayList<>();
		for (Path file : files) {
			String name = MAIN.relativize(file).toString().replace('\\', '/');
			String code = codeOnly(Files.readString(file));
			check(name, code, "floating point", FLOATING_POINT, violations);
			check(name, code, "direct time", DIRECT_TIME, violations);
		}
		assertThat(violations).as("invariants 6 and 7: see the allow-list in this class").isEmpty();
	}

	private static void check(String file, String code, String rule, Pattern pattern, List<String> violations) {
		List<String> found = new ArrayList<>();
		Matcher m = pattern.matcher(code);
		while (m.find()) {
			found.add("%s:%d: %s".formatted(file, lineOf(code, m.start()), m.group()));
		}
		int allowed = ALLOWED.stream()
			.filter(a -> a.file().equals(file) && a.rule().equals(rule))
			.mapToInt(Allowed::hits)
			.sum();
		if (found.size() > allowed) {
			violations.add(rule + " (" + found.size() + " hits, " + allowed + " allowed): " + found);
		}
		else if (found.size() < allowed) {
			violations.add(rule + " in " + file + ": the allow-list grants " + allowed + " hits but there are "
					+ found.size() + "; tighten the allow-list");
		}
	}

	private static int lineOf(String code, int offset) {
		int line = 1;
		for (int i = 0; i < offset; i++) {
			if (code.charAt(i) == '\n') {
				line++;
			}
		}
		return line;
	}

	/**
	 * The source with comments, string literals, text blocks and char literals replaced by spaces (line breaks
	 * kept, so line numbers stay right).
	 */
	static String codeOnly(String source) {
		StringBuilder out = new StringBuilder(source.length());
		int i = 0;
		int n = source.length();
		while (i < n) {
			char c = source.charAt(i);
			if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
				while (i < n && source.charAt(i) != '\n') {
					out.append(' ');
					i++;
				}
			}
			else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
				int end = source.indexOf("*/", i + 2);
				end = end < 0 ? n : end + 2;
				blank(source, i, end, out);
				i = end;
			}
			else if (source.startsWith("\"\"\"", i)) {
				int end = i + 3;
				while (end < n && !source.startsWith("\"\"\"", end)) {
					end += source.charAt(end) == '\\' ? 2 : 1;
				}
				end = Math.min(n, end + 3);
				blank(source, i, end, out);
				i = end;
			}
			else if (c == '"' || c == '\'') {
				int end = i + 1;
				while (end < n && source.charAt(end) != c && source.charAt(end) != '\n') {
					end += source.charAt(end) == '\\' ? 2 : 1;
				}
				end = Math.min(n, end + 1);
				blank(source, i, end, out);
				i = end;
			}
			else {
				out.append(c);
				i++;
			}
		}
		return out.toString();
	}

	private static void blank(String source, int from, int to, StringBuilder out) {
		for (int k = from; k < to; k++) {
			out.append(source.charAt(k) == '\n' ? '\n' : ' ');
		}
	}

	// The scanner itself: it must find what it looks for in code and ignore it in comments and strings.

	@Example
	void theScannerFindsViolationsInCodeOnly() {
		String source = """
				class Example {
					// Instant.now() double in a comment
					/* BigDecimal and LocalDate.now() in a block comment */
					String s = "Instant.now() and 1.5 and float in a string";
					String t = \"""
							System.currentTimeMillis() in a text block, 0.75
							\""";
					char c = '"';
					long cents = 5999L;
					int percent = 75;
				}
				""";
		String code = codeOnly(source);
		assertThat(FLOATING_POINT.matcher(code).find()).isFalse();
		assertThat(DIRECT_TIME.matcher(code).find()).isFalse();
		for (String bad : List.of("double x = 1;", "float f;", "var d = 0.75;", "long x = (long) (a * 1e2);", "var y = 3f;",
				"BigDecimal b;", "Double.valueOf(s)", "node.doubleValue()")) {
			assertThat(FLOATING_POINT.matcher(codeOnly(bad)).find()).as(bad).isTrue();
		}
		for (String bad : List.of("Instant.now()", "LocalDate.now(clock)", "System.currentTimeMillis()",
				"Instant.now(Clock.systemUTC())", "ZonedDateTime . now ( )", "new Date()", "Clock.systemDefaultZone()")) {
			assertThat(DIRECT_TIME.matcher(codeOnly(bad)).find()).as(bad).isTrue();
		}
		for (String fine : List.of("clock.instant()", "LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)",
				"Instant.parse(text)", "version = 1;", "a.b.c", "int v2 = 2;", "x1e5 = 3;")) {
			assertThat(FLOATING_POINT.matcher(codeOnly(fine)).find() || DIRECT_TIME.matcher(codeOnly(fine)).find())
				.as(fine)
				.isFalse();
		}
	}

	@Property(tries = 200)
	void whateverAStringOrCommentHoldsItIsNotCode(@ForAll @AlphaChars @StringLength(max = 30) String word) {
		String hidden = "Instant.now() 1.5 double " + word;
		String code = codeOnly("var a = \"" + hidden + "\"; // " + hidden + "\n/* " + hidden + " */ var b = 'x';");
		assertThat(code).doesNotContain(hidden).contains("var a =").contains("var b =");
		assertThat(code.length()).isEqualTo(("var a = \"" + hidden + "\"; // " + hidden + "\n/* " + hidden
				+ " */ var b = 'x';").length());
	}
}
