package dev.subdesk.web;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/** What the page "Is this really Acme?" asks: what kind of thing, the thing as the person saw it, and a country. */
record ChannelCheckForm(@Nullable String kind, @Nullable String value, @Nullable String country) {

	static final Set<String> KINDS = Set.of("PHONE", "URL", "EMAIL");

	static final int MAX_LENGTH = 2000;

	static ChannelCheckForm empty() {
		return new ChannelCheckForm("PHONE", "", "");
	}

	/** The kind this form sends; anything else was not sent by the page. */
	String kindOrPhone() {
		return kind == null || kind.isBlank() ? "PHONE" : kind;
	}

	static String text(@Nullable String value) {
		return value == null ? "" : value.strip();
	}
}
