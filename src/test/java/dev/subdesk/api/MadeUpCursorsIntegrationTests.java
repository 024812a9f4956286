package dev.subdesk.api;

import static dev.subdesk.testing.ProblemAssertions.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * shared/API.md Conventions: a cursor the server did not give is {@code 400} on {@code cursor}, never a
 * {@code 500} (a made-up instant once reached the database, which cannot hold it). Every list endpoint that takes
 * a {@code cursor} is found from the handler mappings and sent several made-up ones.
 */
class MadeUpCursorsIntegrationTests extends ApiIntegrationTest {

	@Autowired
	ApplicationContext context;

	private static String base64(String text) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	static Map<String, String> madeUpCursors() {
		Map<String, String> cursors = new LinkedHashMap<>();
		cursors.put("an instant past what the database holds", base64("99999999999999:1"));
		cursors.put("the largest number", base64(Long.MAX_VALUE + ":1"));
		cursors.put("a number too large for a long", base64("99999999999999999999:1"));
		cursors.put("a negative instant", base64("-1:5"));
		cursors.put("a negative position", base64("1700000000:-5"));
		cursors.put("not base64", "not*base64!");
		cursors.put("base64 of garbage", Base64.getUrlEncoder().encodeToString(new byte[] { (byte) 0xff, 0, 1, (byte) 0xfe }));
		cursors.put("base64 of words", base64("hello world"));
		cursors.put("another separator", base64("1700000000;5"));
		cursors.put("three parts", base64("1700000000:5:6"));
		cursors.put("an empty position", base64("1700000000:"));
		cursors.put("a plus sign", base64("+1700000000:5"));
		cursors.put("leading zeros", base64("01700000000:5"));
		cursors.put("padding", Base64.getUrlEncoder().encodeToString("1700000000:55".getBytes(StandardCharsets.UTF_8)));
		cursors.put("standard base64 alphabet", "MTcwMDAwMDAwMDo1Pz8-".replace('-', '+'));
		// of the shape the server once gave, but not given by it: cursors are signed
		cursors.put("a well-formed position", base64("1700000000:5"));
		cursors.put("a well-formed index of a list in memory", base64("0:1"));
		cursors.put("a well-formed top", base64("253402214400:" + Long.MAX_VALUE));
		return cursors;
	}

	/** The path of every GET handler with a {@code cursor} parameter. */
	List<String> listsWithACursor() {
		List<String> lists = new ArrayList<>();
		for (RequestMappingInfoHandlerMapping mapping : context.getBeansOfType(RequestMappingInfoHandlerMapping.class)
			.values()) {
			for (Map.Entry<RequestMappingInfo, HandlerMethod> entry : mapping.getHandlerMethods().entrySet()) {
				for (MethodParameter parameter : entry.getValue().getMethodParameters()) {
					RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
					if (param != null && ("cursor".equals(param.name()) || "cursor".equals(param.value())
							|| (param.name().isEmpty() && "cursor".equals(parameter.getParameterName())))) {
						lists.addAll(entry.getKey().getPatternValues());
					}
				}
			}
		}
		return lists;
	}

	@Test
	void everyListAnswersAMadeUpCursorWith400OnCursor() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		String order = fixtures.subscription(subscription).text("orderNumber");
		String endpoint = api.post("/webhook-endpoints",
				Map.of("url", "http://127.0.0.1:9/hook", "events", List.of("*"), "description", "made-up cursors")).id();
		List<String> lists = listsWithACursor();
		assertThat(lists).as("the lists with a cursor")
			.contains("/api/v1/accounts", "/api/v1/accounts/{id}/notices", "/api/v1/plans", "/api/v1/receipt-keys",
					"/api/v1/subscriptions")
			.hasSizeGreaterThanOrEqualTo(9);
		SoftAssertions soft = new SoftAssertions();
		for (String pattern : lists) {
			String path = pattern.replaceFirst("^/api/v1", "")
				.replace("{code}", "antivirus-annual") // a plan's price changes (a read, none scheduled)
				.replace("{id}", pattern.startsWith("/api/v1/subscriptions/") ? subscription
						: pattern.startsWith("/api/v1/webhook-endpoints/") ? endpoint : account);
			String separator = "?";
			if (path.equals("/accounts")) {
				path += "?email=" + URLEncoder.encode(email, StandardCharsets.UTF_8);
				separator = "&";
			}
			else if (path.equals("/subscriptions")) {
				path += "?orderNumber=" + order;
				separator = "&";
			}
			Api.Response first = api.get(path + separator + "limit=1");
			soft.assertThat(first.status()).as(path + " " + first).isEqualTo(200);
			for (Map.Entry<String, String> cursor : madeUpCursors().entrySet()) {
				String url = path + separator + "cursor=" + URLEncoder.encode(cursor.getValue(), StandardCharsets.UTF_8);
				Api.Response answer = api.get(url);
				soft.assertThatCode(() -> assertValidationFailed(answer, "cursor"))
					.as(url + " (" + cursor.getKey() + "): " + answer)
					.doesNotThrowAnyException();
			}
		}
		api.delete("/webhook-endpoints/" + endpoint); // it takes every event: not left for the later tests
		soft.assertAll();
	}

	/** The cursor with one character changed: still URL-safe base64, no longer the server's. */
	private static String changed(String cursor) {
		int at = cursor.length() / 2;
		char c = cursor.charAt(at);
		return cursor.substring(0, at) + (c == 'A' ? 'B' : 'A') + cursor.substring(at + 1);
	}

	@Test
	void aCursorTheServerGaveWithOneCharacterChangedIs400OnCursor() {
		String account = fixtures.accountWithVisa();
		fixtures.card(account, "tok_visa");
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		for (String path : List.of("/accounts/" + account + "/payment-methods?limit=1", "/plans?limit=1",
				"/events?limit=1&subjectId=" + subscription, "/events?limit=1")) {
			Api.Response first = api.get(path);
			assertThat(first.status()).as(path + " " + first).isEqualTo(200);
			String cursor = first.text("nextCursor");
			assertThat(cursor).as(path).matches("[A-Za-z0-9_-]{1,64}");
			assertThat(api.get(path + "&cursor=" + cursor).status()).as(path + " with its cursor").isEqualTo(200);
			Api.Response answer = api.get(path + "&cursor=" + changed(cursor));
			assertValidationFailed(answer, "cursor");
		}
	}

	@Test
	void theCursorsTheServerGivesStillPage() {
		String account = fixtures.accountWithVisa();
		for (int i = 0; i < 3; i++) {
			fixtures.card(account, "tok_visa");
		}
		List<String> seen = new ArrayList<>();
		String cursor = null;
		do {
			Api.Response page = api.get("/accounts/" + account + "/payment-methods?limit=1"
					+ (cursor == null ? "" : "&cursor=" + cursor));
			assertThat(page.status()).as(page.toString()).isEqualTo(200);
			page.json().path("data").forEach(pm -> seen.add(pm.path("id").asString()));
			cursor = page.json().path("nextCursor").isNull() ? null : page.text("nextCursor");
		}
		while (cursor != null);
		assertThat(seen).hasSize(4).doesNotHaveDuplicates();
		Api.Response plans = api.get("/plans?limit=2");
		Api.Response next = api.get("/plans?limit=2&cursor=" + plans.text("nextCursor"));
		assertThat(next.status()).as(next.toString()).isEqualTo(200);
	}
}
