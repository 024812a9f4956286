package dev.subdesk.shared;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * RFC 8785 JSON Canonicalization Scheme: object members sorted by their UTF-16 code units, no whitespace,
 * strings escaped as ECMAScript's {@code JSON.stringify} does and numbers in ECMAScript form.
 */
public final class CanonicalJson {

	private CanonicalJson() {
	}

	public static String of(JsonNode node) {
		StringBuilder out = new StringBuilder(512);
		write(node, out);
		return out.toString();
	}

	private static void write(JsonNode node, StringBuilder out) {
		if (node.isNull() || node.isMissingNode()) {
			out.append("null");
		}
		else if (node.isBoolean()) {
			out.append(node.booleanValue());
		}
		else if (node.isNumber()) {
			out.append(number(node));
		}
		else if (node.isString()) {
			string(node.stringValue(), out);
		}
		else if (node.isArray()) {
			out.append('[');
			for (int i = 0; i < node.size(); i++) {
				if (i > 0) {
					out.append(',');
				}
				write(node.get(i), out);
			}
			out.append(']');
		}
		else if (node.isObject()) {
			List<Map.Entry<String, JsonNode>> members = new ArrayList<>(node.properties());
			members.sort(Map.Entry.comparingByKey());
			out.append('{');
			for (int i = 0; i < members.size(); i++) {
				if (i > 0) {
					out.append(',');
				}
				string(members.get(i).getKey(), out);
				out.append(':');
				write(members.get(i).getValue(), out);
			}
			out.append('}');
		}
		else {
			throw new IllegalArgumentException("Not JSON data: " + node.getNodeType());
		}
	}

	/** ECMAScript Number.prototype.toString for the doubles JSON can carry. */
	static String number(JsonNode node) {
		double value = node.doubleValue();
		if (Double.isNaN(value) || Double.isInfinite(value)) {
			throw new IllegalArgumentException("NaN and Infinity are not JSON");
		}
		if (value == 0) {
			return "0";
		}
		BigDecimal exact = new BigDecimal(Double.toString(value)).stripTrailingZeros();
		double abs = Math.abs(value);
		if (abs >= 1e-6 && abs < 1e21) {
			return exact.toPlainString();
		}
		String digits = exact.unscaledValue().abs().toString();
		int exponent = digits.length() - 1 - exact.scale();
		String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
		return (value < 0 ? "-" : "") + mantissa + "e" + (exponent >= 0 ? "+" : "-") + Math.abs(exponent);
	}

	private static void string(String value, StringBuilder out) {
		out.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\b' -> out.append("\\b");
				case '\f' -> out.append("\\f");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (c < 0x20) {
						out.append("\\u%04x".formatted((int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		out.append('"');
	}
}
