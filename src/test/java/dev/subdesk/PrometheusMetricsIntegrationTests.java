package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import dev.subdesk.testing.SubdeskIntegrationTest;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code /actuator/prometheus}: behind the API key, in Prometheus' text format, with the JVM's meters and the
 * business meters, which count what the API did.
 */
class PrometheusMetricsIntegrationTests extends ApiIntegrationTest {

	private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( \\S+)?$");

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

	private final HttpClient http = HttpClient.newHttpClient();

	@Autowired
	ObservationRegistry observations;

	@Test
	void thePrometheusEndpointNeedsTheApiKey() throws Exception {
		assertThat(scrape(null).statusCode()).isEqualTo(401);
		assertThat(scrape("Bearer not-the-key").statusCode()).isEqualTo(401);
		HttpResponse<String> scraped = scrape("Bearer " + Api.TEST_KEY);
		assertThat(scraped.statusCode()).isEqualTo(200);
		assertThat(scraped.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
	}

	@Test
	void theMetricsTokenReadsTheMetricsAndNothingElse() throws Exception {
		String token = "Bearer " + SubdeskIntegrationTest.METRICS_TOKEN;
		assertThat(scrape(token).statusCode()).isEqualTo(200);
		assertThat(send("GET", "/actuator/metrics", token).statusCode()).isEqualTo(200);
		assertThat(send("GET", "/actuator/metrics/jvm.threads.live", token).statusCode()).isEqualTo(200);
		assertThat(send("GET", "/actuator/info", token).statusCode()).as("another management endpoint").isEqualTo(401);
		assertThat(send("GET", "/api/v1/plans", token).statusCode()).as("the API").isEqualTo(401);
		String account = fixtures.account();
		assertThat(send("DELETE", "/api/v1/accounts/" + account, token).statusCode()).as("a change").isEqualTo(401);
		assertThat(api.get("/accounts/" + account).text("status")).isNotEqualTo("CLOSED");
	}

	@Test
	void everyLineIsInTheTextFormatAndTheJvmsAndTheBusinessMetersAreThere() throws Exception {
		String text = scrape("Bearer " + Api.TEST_KEY).body();
		for (String line : text.split("\n")) {
			if (!line.isEmpty() && !line.startsWith("#")) {
				assertThat(SAMPLE.matcher(line).matches()).as("a sample line: " + line).isTrue();
			}
		}
		Map<String, Double> samples = samples(text);
		assertThat(samples.keySet()).as("the JVM's meters").anyMatch(name -> name.startsWith("jvm_memory_used_bytes{"))
			.anyMatch(name -> name.startsWith("jvm_threads_live_threads"));
		assertThat(samples).containsKeys("subdesk_renewals_lag_seconds",
				"subdesk_cancellations_total{channel=\"PORTAL\",mode=\"END_OF_TERM\"}",
				"subdesk_offers_shown_total", "subdesk_offers_accepted_total",
				"subdesk_notices{status=\"PENDING\"}", "subdesk_notices{status=\"FAILED\"}");
	}

	/** The requests are timed (http.server.requests); the security filter chain's own observations are not made. */
	@Test
	void requestsAreTimedButNotEachSecurityFilter() throws Exception {
		api.get("/plans");
		Map<String, Double> samples = samples(scrape("Bearer " + Api.TEST_KEY).body());
		assertThat(samples.keySet()).anyMatch(name -> name.startsWith("http_server_requests_seconds_count{"))
			.noneMatch(name -> name.startsWith("spring_security_"));
		assertThat(Observation.start("spring.security.filterchains", observations).isNoop()).isTrue();
		assertThat(Observation.start("http.server.requests", observations).isNoop()).isFalse();
	}

	@Test
	void anImmediateApiCancellationIsCountedByChannelAndModeAndItsRefundByCurrency() throws Exception {
		String cancellations = "subdesk_cancellations_total{channel=\"API\",mode=\"IMMEDIATE\"}";
		String refunds = "subdesk_refunds_total{currency=\"USD\"}";
		String refunded = "subdesk_refunds_amount_total{currency=\"USD\"}";
		Map<String, Double> before = samples(scrape("Bearer " + Api.TEST_KEY).body());
		String sub = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		Api.Response cancelled = fixtures.cancel(sub, "IMMEDIATE");
		assertThat(cancelled.json().path("refundTotal").path("amount").asLong()).isEqualTo(5999);

		await("the refund is settled and counted").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			Map<String, Double> after = samples(scrape("Bearer " + Api.TEST_KEY).body());
			assertThat(after.get(cancellations)).isEqualTo(before.getOrDefault(cancellations, 0.0) + 1);
			assertThat(after.get(refunds)).isEqualTo(before.getOrDefault(refunds, 0.0) + 1);
			assertThat(after.get(refunded)).isEqualTo(before.getOrDefault(refunded, 0.0) + 5999);
		});
	}

	@Test
	void aRetentionOfferShownAndAcceptedIsCountedOnce() throws Exception {
		Map<String, Double> before = samples(scrape("Bearer " + Api.TEST_KEY).body());
		String sub = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		String offer = api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of()).json().path("offer")
			.path("id").asString();
		api.post("/subscriptions/" + sub + "/cancellation-quote", Map.of());
		assertThat(api.post("/offers/" + offer + "/accept").status()).isEqualTo(200);

		Map<String, Double> after = samples(scrape("Bearer " + Api.TEST_KEY).body());
		assertThat(after.get("subdesk_offers_shown_total")).as("the same offer shown twice is one offer")
			.isEqualTo(before.get("subdesk_offers_shown_total") + 1);
		assertThat(after.get("subdesk_offers_accepted_total")).isEqualTo(before.get("subdesk_offers_accepted_total") + 1);
	}

	private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.header("Authorization", authorization)
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> scrape(String authorization) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"));
		if (authorization != null) {
			request.header("Authorization", authorization);
		}
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** Each sample as {@code name{label="value",...}} (labels in name order) with its value. */
	private static Map<String, Double> samples(String text) {
		Map<String, Double> samples = new LinkedHashMap<>();
		for (String line : text.split("\n")) {
			Matcher sample = SAMPLE.matcher(line);
			if (line.startsWith("#") || !sample.matches()) {
				continue;
			}
			Map<String, String> labels = new java.util.TreeMap<>();
			if (sample.group(3) != null) {
				Matcher label = LABEL.matcher(sample.group(3));
				while (label.find()) {
					labels.put(label.group(1), label.group(2));
				}
			}
			labels.remove("application");
			String key = sample.group(1) + (labels.isEmpty() ? ""
					: labels.entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
						.collect(java.util.stream.Collectors.joining(",", "{", "}")));
			samples.put(key, Double.parseDouble(sample.group(4)));
		}
		return samples;
	}
}
