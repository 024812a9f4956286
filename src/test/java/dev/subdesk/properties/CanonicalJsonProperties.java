package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.CanonicalJson;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The RFC 8785 canonical JSON that receipts are signed over (invariant 4 rests on it): its output depends only
 * on the data, never on the order members were added in, and it is JSON that parses back to equal data.
 */
class CanonicalJsonProperties {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

	/** Integers JSON numbers (IEEE 754 doubles, RFC 8785) carry exactly. */
	private static final long EXACT = 1L << 53;

	@Provide
	Arbitrary<String> texts() {
		Arbitrary<Character> chars = Arbitraries.frequencyOf(
				Tuple.of(5, Arbitraries.chars().range(' ', '~')),
				Tuple.of(2, Arbitraries.chars().range('\u0000', '\u001f')),
				Tuple.of(1, Arbitraries.of('"', '\\', '/', '\u007f', '\u2028', '\u2029')),
				Tuple.of(2, Arbitraries.chars().range('\u0080', '\ud7ff')),
				Tuple.of(1, Arbitraries.chars().range('\ue000', '\ufffd')));
		Arbitrary<String> plain = chars.list().ofMaxSize(12).map(cs -> {
			StringBuilder s = new StringBuilder();
			cs.forEach(s::append);
			return s.toString();
		});
		// whole surrogate pairs only: lone surrogates are not Unicode text
		Arbitrary<String> astral = Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString);
		return Arbitraries.frequencyOf(Tuple.of(6, plain), Tuple.of(1, astral),
				Tuple.of(1, Arbitraries.of("", "€", "😀", "\r", "1", "\u0080", "ö", "\ufb33", "a\u0000b")));
	}

	@Provide
	Arbitrary<Double> finiteDoubles() {
		return Arbitraries.frequencyOf(
				Tuple.of(3, Arbitraries.doubles().between(-1e6, 1e6).ofScale(4)),
				Tuple.of(2, Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite)),
				Tuple.of(1, Arbitraries.of(0.0, -0.0, 1e21, 1e20, 1e-6, 1e-7, 5e-324, Double.MAX_VALUE, Double.MIN_NORMAL,
						-1.5, 4.5, 0.002, 1e30, 333333333.3333333, 9007199254740991.0, 123456789012345680000.0)));
	}

	private Arbitrary<JsonNode> leaves() {
		return Arbitraries.frequencyOf(
				Tuple.of(1, Arbitraries.just(NODES.nullNode())),
				Tuple.of(1, Arbitraries.of(true, false).map(NODES::booleanNode)),
				Tuple.of(3, texts().map(NODES::stringNode)),
				Tuple.of(3, Arbitraries.longs().between(-EXACT, EXACT).map(n -> (JsonNode) NODES.numberNode(n))),
				Tuple.of(1, finiteDoubles().map(d -> (JsonNode) NODES.numberNode(d))));
	}

	private Arbitrary<JsonNode> values(int depth) {
		if (depth == 0) {
			return leaves();
		}
		Arbitrary<JsonNode> arrays = values(depth - 1).list().ofMaxSize(4).map(items -> {
			ArrayNode array = NODES.arrayNode();
			items.forEach(array::add);
			return array;
		});
		Arbitrary<JsonNode> objects = Arbitraries.maps(texts(), values(depth - 1)).ofMaxSize(5).map(members -> {
			ObjectNode object = NODES.objectNode();
			members.forEach(object::set);
			return object;
		});
		return Arbitraries.frequencyOf(Tuple.of(2, leaves()), Tuple.of(1, arrays), Tuple.of(2, objects));
	}

	@Provide
	Arbitrary<JsonNode> documents() {
		return Arbitraries.maps(texts(), values(3)).ofMaxSize(6).map(members -> {
			ObjectNode object = NODES.objectNode();
			members.forEach(object::set);
			return (JsonNode) object;
		});
	}

	@Property(tries = 200)
	void outputDoesNotDependOnMemberOrder(@ForAll("documents") JsonNode document, @ForAll long seed) {
		JsonNode reordered = reorder(document, new Random(seed));
		assertThat(reordered).isEqualTo(document);
		assertThat(CanonicalJson.of(reordered)).isEqualTo(CanonicalJson.of(document));
	}

	@Property(tries = 200)
	void outputIsJsonEqualToTheInput(@ForAll("documents") JsonNode document) {
		String canonical = CanonicalJson.of(document);
		JsonNode parsed = JSON.readTree(canonical);
		assertSameData(parsed, document, "$");
		assertSorted(parsed, "$");
		assertThat(CanonicalJson.of(parsed)).as("canonical form is a fixed point").isEqualTo(canonical);
		assertThat(canonical).as("no raw control characters").doesNotContainPattern("[\\x00-\\x1f]");
		assertThat(canonical.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\""))
			.as("no whitespace outside strings").doesNotContainPattern("\\s");
	}

	@Property(tries = 1000)
	void numbersAreInEcmaScriptFormAndRoundTripExactly(@ForAll("finiteDoubles") double value) {
		String text = CanonicalJson.of(NODES.numberNode(value));
		assertThat(Double.parseDouble(text)).isEqualTo(value == 0 ? 0.0 : value);
		double abs = Math.abs(value);
		if (value == 0) {
			assertThat(text).isEqualTo("0");
		}
		else if (abs >= 1e-6 && abs < 1e21) {
			assertThat(text).matches("-?(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?");
		}
		else {
			assertThat(text).matches("-?[1-9](\\.[0-9]*[1-9])?e[+-][1-9][0-9]*");
		}
	}

	/**
	 * An integer that a double carries exactly is written as its digits (ECMAScript's form below 1e21), whether the
	 * node holds it as a long, a double or a big integer: the amounts of a receipt take this path.
	 */
	@Property(tries = 1000)
	void exactIntegersAreWrittenAsTheirDigits(@ForAll("exactIntegers") long value) {
		String digits = Long.toString(value);
		assertThat(CanonicalJson.of(NODES.numberNode(value))).isEqualTo(digits);
		assertThat(CanonicalJson.of(NODES.numberNode((double) value))).isEqualTo(digits);
		assertThat(CanonicalJson.of(NODES.numberNode(java.math.BigInteger.valueOf(value)))).isEqualTo(digits);
	}

	@Provide
	Arbitrary<Long> exactIntegers() {
		return Arbitraries.frequencyOf(
				Tuple.of(4, Arbitraries.longs().between(-EXACT, EXACT)),
				Tuple.of(2, Arbitraries.longs().between(-100_000, 100_000)),
				Tuple.of(1, Arbitraries.of(0L, -1L, 1L, EXACT, -EXACT, EXACT - 1, -EXACT + 1, 1000L, -1000L)));
	}

	/** Past 2^53 a long is no longer carried exactly: it is written as the double it becomes, like any number. */
	@Property(tries = 300)
	void largerIntegersAreWrittenAsTheirDouble(@ForAll long value) {
		String text = CanonicalJson.of(NODES.numberNode(value));
		assertThat(text).isEqualTo(CanonicalJson.of(NODES.numberNode((double) value)));
		assertThat(Double.parseDouble(text)).isEqualTo((double) value);
	}

	@Property(tries = 500)
	void stringsAreEscapedMinimallyAndReadBack(@ForAll("texts") String text) {
		String canonical = CanonicalJson.of(NODES.stringNode(text));
		assertThat(JSON.readTree(canonical).asString()).isEqualTo(text);
		String inner = canonical.substring(1, canonical.length() - 1);
		// only '"', '\\' and control characters are escaped; everything else (including '/' and non-ASCII) is as is
		assertThat(inner.replaceAll("\\\\([\"\\\\bfnrt]|u00[01][0-9a-f])", "")).doesNotContain("\\");
	}

	@Example
	void rfc8785Vectors() {
		// RFC 8785 section 3.2.2 (sorting) and 3.2.2.2/3.2.2.3 (strings and numbers)
		JsonNode sorting = JSON.readTree("""
				{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",
				 "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}
				""");
		assertThat(List.copyOf(JSON.readTree(CanonicalJson.of(sorting)).propertyNames())).containsExactly("\r", "1",
				"\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33");
		JsonNode values = JSON.readTree("""
				{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001, -0, 1e21, 1e-7],
				 "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}
				""");
		assertThat(CanonicalJson.of(values)).isEqualTo("{\"literals\":[null,true,false],"
				+ "\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27,0,1e+21,1e-7],"
				+ "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
	}

	/** The same data with every object's members inserted in a shuffled order. */
	private static JsonNode reorder(JsonNode node, Random random) {
		if (node.isObject()) {
			List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
			Collections.shuffle(members, random);
			ObjectNode copy = NODES.objectNode();
			members.forEach(m -> copy.set(m.getKey(), reorder(m.getValue(), random)));
			return copy;
		}
		if (node.isArray()) {
			ArrayNode copy = NODES.arrayNode();
			node.values().forEach(item -> copy.add(reorder(item, random)));
			return copy;
		}
		return node;
	}

	/** Equal as JSON data: numbers by value (1.0 and 1 are one number), objects by members, arrays in order. */
	private static void assertSameData(JsonNode actual, JsonNode expected, String path) {
		if (expected.isNumber()) {
			assertThat(actual.isNumber()).as(path).isTrue();
			assertThat(actual.doubleValue()).as(path).isEqualTo(expected.doubleValue() == 0 ? 0.0 : expected.doubleValue());
		}
		else if (expected.isObject()) {
			assertThat(actual.isObject()).as(path).isTrue();
			assertThat(actual.propertyNames()).as(path).containsExactlyInAnyOrderElementsOf(expected.propertyNames());
			for (String name : expected.propertyNames()) {
				assertSameData(actual.get(name), expected.get(name), path + "." + name);
			}
		}
		else if (expected.isArray()) {
			assertThat(actual.isArray()).as(path).isTrue();
			assertThat(actual.size()).as(path).isEqualTo(expected.size());
			for (int i = 0; i < expected.size(); i++) {
				assertSameData(actual.get(i), expected.get(i), path + "[" + i + "]");
			}
		}
		else {
			assertThat(actual).as(path).isEqualTo(expected);
		}
	}

	/** Members in the order of their names' UTF-16 code units, at every depth. */
	private static void assertSorted(JsonNode node, String path) {
		if (node.isObject()) {
			List<String> names = List.copyOf(node.propertyNames());
			assertThat(names).as(path).isSortedAccordingTo(String::compareTo);
			node.properties().forEach(m -> assertSorted(m.getValue(), path + "." + m.getKey()));
		}
		else if (node.isArray()) {
			for (int i = 0; i < node.size(); i++) {
				assertSorted(node.get(i), path + "[" + i + "]");
			}
		}
	}
}
