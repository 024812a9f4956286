package dev.subdesk.stores;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * How the stores' fakes ({@link FakeGoogleApis}, {@link FakeAppStoreServerApi}) answer: a JSON body, one that
 * trickles for as long as the caller waits, or one too large ({@link StoreHttp#MAX_BODY}).
 */
final class FakeAnswers {

	/** How large a too large answer is: 2 MB of padding. */
	static final int HUGE = 2 * 1024 * 1024;

	private FakeAnswers() {
	}

	/** Answers {@code status} with the JSON {@code body}; a caller that gave up (timed out) is answered nothing. */
	static void answer(HttpExchange exchange, int status, String body) {
		try (exchange) {
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(status, bytes.length);
			exchange.getResponseBody().write(bytes);
		}
		catch (IOException e) {
			// the caller gave up (timed out): nothing to answer
		}
	}

	/** The JSON object {@code json} with {@value #HUGE} bytes more: a member {@code pad} first. */
	static String padded(String json) {
		String pad = "{\"pad\":\"" + "x".repeat(HUGE) + "\"";
		String rest = json.strip().substring(1).strip();
		return rest.startsWith("}") ? pad + rest : pad + "," + rest;
	}

	/** Sends the headers of a {@code 200}, then a space of its body every 100 ms, for at most a minute. */
	static void trickle(HttpExchange exchange) {
		try (exchange) {
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, 0);
			var body = exchange.getResponseBody();
			body.write('{');
			body.flush();
			for (int i = 0; i < 600; i++) {
				Thread.sleep(100);
				body.write(' ');
				body.flush();
			}
			body.write('}');
		}
		catch (IOException e) {
			// the caller gave up
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
