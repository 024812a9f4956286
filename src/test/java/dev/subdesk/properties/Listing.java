package dev.subdesk.properties;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads every page of a list endpoint. */
final class Listing {

	private Listing() {
	}

	static List<JsonNode> all(Api api, String path) {
		List<JsonNode> items = new ArrayList<>();
		String cursor = null;
		do {
			String page = path + (path.contains("?") ? "&" : "?") + "limit=100"
					+ (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
			Api.Response response = api.get(page);
			assertThat(response.status()).as(page + " → " + response).isEqualTo(200);
			response.json().path("data").values().forEach(items::add);
			JsonNode next = response.json().path("nextCursor");
			cursor = next.isNull() || next.isMissingNode() ? null : next.asString();
		}
		while (cursor != null);
		return items;
	}
}
